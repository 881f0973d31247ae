"""The webhook endpoints end to end through the real app and database."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, func, select

from tests import signing
from triage.config import Settings
from triage.jobs.models import Job
from triage.main import create_app
from triage.tickets.models import Comment, Decision, Delivery, Ticket
from triage.webhooks.router import Accepted

PAN = "4111 1111 1111 1111"


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app()) as c:
        yield c


def post_zendesk(client: TestClient, payload: dict, **kw: object):
    body = signing.dumps(payload)
    return client.post(
        "/webhooks/zendesk", content=body, headers=signing.zendesk_headers(body), **kw
    )


def post_servicenow(client: TestClient, payload: dict):
    body = signing.dumps(payload)
    return client.post(
        "/webhooks/servicenow", content=body, headers=signing.servicenow_headers(body)
    )


def count(session: Session, model: type) -> int:
    return session.exec(select(func.count()).select_from(model)).one()


def test_zendesk_ticket_is_stored_redacted(client: TestClient, session: Session) -> None:
    payload = signing.zendesk_event(501, "Card declined", f"my card {PAN} exp 09/28 was declined")
    response = post_zendesk(client, payload)
    assert response.status_code == 202, response.text
    data = response.json()
    assert data["duplicate"] is False and data["ticket_id"] > 0
    assert Accepted.model_validate(data).model_dump() == data  # the documented shape, exactly
    ticket = session.get(Ticket, data["ticket_id"])
    assert ticket is not None
    assert "4111" not in ticket.body.replace("[PAN ...1111]", "")
    assert "[PAN ...1111]" in ticket.body
    assert ticket.redaction_summary["counts"].get("PAN") == 1
    assert ticket.requester_id == "1001" and ticket.tags == ["merchant"]


def test_redelivery_is_a_duplicate(client: TestClient, session: Session) -> None:
    payload = signing.zendesk_event(502, "Payout", "payout failed")
    first = post_zendesk(client, payload).json()
    second = post_zendesk(client, payload).json()
    assert second == {**first, "duplicate": True}
    assert count(session, Ticket) == 1 and count(session, Delivery) == 1
    jobs = session.exec(select(Job).where(Job.ticket_id == first["ticket_id"])).all()
    assert len({j.dedupe_key for j in jobs}) == len(jobs) >= 1


def test_comment_added_appends_to_the_same_ticket(client: TestClient, session: Session) -> None:
    created = post_zendesk(client, signing.zendesk_event(503, "Refund", "refund missing")).json()
    comment = signing.zendesk_event(
        503, "Refund", "refund missing", event="ticket.comment_added", comment=f"card {PAN}"
    )
    again = post_zendesk(client, comment).json()
    assert again["ticket_id"] == created["ticket_id"] and again["duplicate"] is False
    stored = session.exec(select(Comment)).all()
    assert len(stored) == 1 and "[PAN ...1111]" in stored[0].body
    assert count(session, Ticket) == 1


def test_servicenow_record_is_stored(client: TestClient, session: Session) -> None:
    record = signing.servicenow_record("abc123def" + "0" * 23, "Webhooks failing", f"pan {PAN}")
    response = post_servicenow(client, record)
    assert response.status_code == 202, response.text
    ticket = session.get(Ticket, response.json()["ticket_id"])
    assert ticket is not None and ticket.external_table == "incident"
    assert "1111 1111 1111" not in ticket.body


@pytest.mark.parametrize(
    ("mutate", "status"),
    [
        (lambda h: {**h, "X-Zendesk-Webhook-Signature": "AAAA"}, 401),
        (lambda h: {k: v for k, v in h.items() if "Signature" not in k}, 401),
        (lambda h: {**h, "X-Zendesk-Webhook-Signature-Timestamp": "2020-01-01T00:00:00Z"}, 401),
    ],
)
def test_zendesk_signature_failures(client: TestClient, session: Session, mutate, status) -> None:
    body = signing.dumps(signing.zendesk_event(504, "x", "y"))
    response = client.post(
        "/webhooks/zendesk", content=body, headers=mutate(signing.zendesk_headers(body))
    )
    assert response.status_code == status
    assert response.json()["error"] == "unauthorized"
    assert count(session, Ticket) == 0


def test_stale_servicenow_timestamp(client: TestClient) -> None:
    body = signing.dumps(signing.servicenow_record("a1" * 16, "s", "d"))
    headers = signing.servicenow_headers(body, ts=1_000_000_000)
    assert client.post("/webhooks/servicenow", content=body, headers=headers).status_code == 401


def test_wrong_secret(client: TestClient) -> None:
    body = signing.dumps(signing.servicenow_record("a1" * 16, "s", "d"))
    headers = signing.servicenow_headers(body, secret=b"nope")
    assert client.post("/webhooks/servicenow", content=body, headers=headers).status_code == 401


def test_body_too_large_is_413(client: TestClient, session: Session) -> None:
    payload = signing.zendesk_event(505, "big", "x" * (300 * 1024))
    assert post_zendesk(client, payload).status_code == 413
    assert count(session, Ticket) == 0


def test_not_json_is_400(client: TestClient) -> None:
    body = b"card 4111111111111111 {not json"
    response = client.post("/webhooks/zendesk", content=body, headers=signing.zendesk_headers(body))
    assert response.status_code == 400
    assert "4111" not in response.text


def test_wrong_shape_is_422_naming_the_field(client: TestClient, session: Session) -> None:
    payload = {"id": "d1", "type": "zen:event-type:ticket.created", "detail": {"subject": PAN}}
    response = post_zendesk(client, payload)
    assert response.status_code == 422
    assert "detail.id" in response.json()["detail"]
    assert "4111" not in response.text
    assert count(session, Delivery) == 0


def test_unknown_event_is_ignored_and_nothing_stored(client: TestClient, session: Session) -> None:
    payload = signing.zendesk_event(506, "x", "y", event="ticket.priority_changed")
    response = post_zendesk(client, payload)
    assert response.status_code == 202
    assert response.json()["ignored"].startswith("unsupported event type")
    assert count(session, Delivery) == 0 and count(session, Ticket) == 0


def test_health_and_readiness(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz").json()
    assert ready["checks"]["database"] is True and ready["checks"]["migrations"] is True


def test_confident_ticket_is_classified_and_routed_in_the_request(
    client: TestClient, session: Session, active_model: str
) -> None:
    text = (
        "Our settlement deposit for last Friday's batch still has not arrived in our bank "
        "account. It is three business days late now and nothing shows as paid out."
    )
    data = post_zendesk(client, signing.zendesk_event(601, "Settlement not received", text)).json()
    assert data["category"] == "settlement_delay"
    assert 0.0 < data["confidence"] <= 1.0
    assert data["route"] in ("auto", "review")
    decision = session.exec(select(Decision).where(Decision.ticket_id == data["ticket_id"])).one()
    assert decision.model_version == active_model
    assert decision.category == "settlement_delay"
    assert decision.threshold is None or decision.confidence is not None
    job = session.exec(select(Job).where(Job.ticket_id == data["ticket_id"])).one()
    assert job.kind == ("writeback.note" if data["route"] in ("auto", "review") else "llm.fallback")


def test_without_an_active_model_tickets_go_to_review(client: TestClient, session: Session) -> None:
    data = post_zendesk(client, signing.zendesk_event(602, "Help", "payout failed")).json()
    assert data["route"] == "review"
    decision = session.exec(select(Decision).where(Decision.ticket_id == data["ticket_id"])).one()
    assert "no active model" in str(decision.reasons)
