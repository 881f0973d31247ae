"""A hostile stored id never addresses another record or endpoint on Zendesk or ServiceNow.

The webhook refuses such ids (tests/webhooks/test_id_fields.py); these rows stand for ones stored
before that check. The fakes route on the decoded, dot-resolved path, as a lenient server would.
"""

import pytest
from sqlmodel import Session

from tests.fakes.servicenow import FakeServiceNow
from tests.fakes.zendesk import FakeZendesk
from tests.writeback import scenario
from triage.jobs.handlers import PermanentError
from triage.jobs.worker import Worker
from triage.writeback.http import url_path

HOSTILE = ["1/../../users/me", "2?role=admin&x=", "3#x", "..", "4%2F..%2F..%2Fusers%2Fme", "5\n"]


def test_url_path_encodes_every_segment_and_refuses_dot_segments() -> None:
    assert url_path("api", "v2", "tickets", "1/../../users/me.json") == (
        "/api/v2/tickets/1%2F..%2F..%2Fusers%2Fme.json"
    )
    assert url_path("t", "2?role=admin&x=") == "/t/2%3Frole%3Dadmin%26x%3D"
    assert url_path("t", "a%2Fb#c") == "/t/a%252Fb%23c"
    for bad in ("..", ".", ""):
        with pytest.raises(PermanentError):
            url_path("api", bad)


@pytest.mark.parametrize("external_id", HOSTILE)
def test_zendesk_write_back_never_leaves_the_ticket_path(
    session: Session,
    fake_zendesk: FakeZendesk,
    monkeypatch: pytest.MonkeyPatch,
    external_id: str,
) -> None:
    scenario.configure(monkeypatch, **scenario.zendesk_env(fake_zendesk))
    _, _, job = scenario.routed_ticket(session, "zendesk", external_id)
    Worker("w1").run_once()
    done = scenario.job(session, job.id)
    assert done.status == "dead" and "not well formed" in (done.last_error or "")
    assert fake_zendesk.requests == []


@pytest.mark.parametrize("external_id", [*HOSTILE, "a" * 31 + "^ORDERBYx"])
def test_servicenow_write_back_never_leaves_the_record_path(
    session: Session,
    fake_servicenow: FakeServiceNow,
    monkeypatch: pytest.MonkeyPatch,
    external_id: str,
) -> None:
    scenario.configure(monkeypatch, **scenario.servicenow_env(fake_servicenow))
    _, _, job = scenario.routed_ticket(session, "servicenow", external_id)
    Worker("w1").run_once()
    done = scenario.job(session, job.id)
    assert done.status == "dead" and "not well formed" in (done.last_error or "")
    assert fake_servicenow.requests == []


def test_a_well_formed_id_still_reaches_its_ticket(
    session: Session, fake_zendesk: FakeZendesk, monkeypatch: pytest.MonkeyPatch
) -> None:
    scenario.configure(monkeypatch, **scenario.zendesk_env(fake_zendesk))
    _, _, job = scenario.routed_ticket(session, "zendesk", "4102")
    Worker("w1").run_once()
    assert scenario.job(session, job.id).status == "done"
    assert {r.routed_path for r in fake_zendesk.requests} == {"/api/v2/tickets/4102.json"}
