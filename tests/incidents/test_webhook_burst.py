"""End to end through the signed Zendesk webhook: a burst from many merchants becomes one
incident after a worker's pass, with every ticket linked and tagged; one merchant's flood of the
same text becomes none."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, col, select

from tests import signing
from tests.browser.test_browser_incidents import TICKETS
from tests.fakes.zendesk import FakeZendesk
from tests.incidents import helpers
from tests.writeback import scenario
from triage.config import Settings
from triage.incidents.models import DuplicateBurst
from triage.jobs.worker import Worker
from triage.main import create_app
from triage.tickets.models import Ticket


@pytest.fixture
def client(settings: Settings, active_model: str) -> Iterator[TestClient]:
    with TestClient(create_app()) as c:
        yield c


def _post(client: TestClient, ticket_id: int, subject: str, body: str, org: int) -> None:
    payload = signing.zendesk_event(ticket_id, subject, body)
    payload["detail"]["organization_id"] = org
    raw = signing.dumps(payload)
    response = client.post("/webhooks/zendesk", content=raw, headers=signing.zendesk_headers(raw))
    assert response.status_code == 202, response.text


def _pass_and_drain() -> None:
    Worker("w-pass").run_passes_when_due()
    helpers.drain()


def test_a_burst_through_the_webhook_opens_one_incident_and_tags_every_ticket(
    client: TestClient,
    session: Session,
    fake_zendesk: FakeZendesk,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    helpers.configure(monkeypatch, **scenario.zendesk_env(fake_zendesk))
    burst = TICKETS + TICKETS[:4]  # sixteen tickets from sixteen merchants
    for n, (subject, body) in enumerate(burst):
        _post(client, 97000 + n, subject, body, org=5000 + n)
    _pass_and_drain()

    session.expire_all()
    settlement = session.exec(
        select(Ticket.id, Ticket.external_id).where(Ticket.category == "settlement_delay")
    ).all()
    assert len(settlement) >= 12  # what the model calls a settlement delay
    (incident,) = helpers.incidents(session)
    assert incident.category == "settlement_delay"
    assert helpers.linked(session, incident.id) == len(settlement)
    tag = f"triage_incident_{incident.id}"
    assert all(tag in fake_zendesk.tickets[int(ext)]["tags"] for _, ext in settlement)


def test_one_merchants_flood_through_the_webhook_is_a_duplicate_burst(
    client: TestClient, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    helpers.configure(monkeypatch)
    subject, body = TICKETS[0]
    for n in range(30):
        _post(client, 98000 + n, subject, body, org=7777)
    _pass_and_drain()

    assert helpers.incidents(session) == []
    bursts = session.exec(select(DuplicateBurst).where(col(DuplicateBurst.merchant) == "7777"))
    assert [b.ticket_count for b in bursts.all()] == [30]
