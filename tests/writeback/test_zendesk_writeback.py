"""Write-back to a fake Zendesk over real HTTP: normal flow, faults, idempotency, dry run."""

from datetime import timedelta

import pytest
from sqlmodel import Session, select

from tests.fakes.zendesk import FakeZendesk
from tests.writeback import scenario
from triage.db.engine import utcnow
from triage.jobs import queue
from triage.jobs.worker import Worker
from triage.tickets.models import Reply

PAN = "4111 1111 1111 1111"


def _run_until_done(session: Session, worker: Worker, job_id: int) -> None:
    def finished() -> bool:
        worker.run_once()
        return scenario.job(session, job_id).status in ("done", "dead")

    assert scenario.poll(finished), scenario.job(session, job_id)


def test_normal_flow_adds_tags_group_field_and_one_internal_note(
    session: Session, fake_zendesk: FakeZendesk, monkeypatch: pytest.MonkeyPatch
) -> None:
    scenario.configure(monkeypatch, **scenario.zendesk_env(fake_zendesk))
    fake_zendesk.add_ticket(4101, tags=["vip_merchant"])
    _, decision, job = scenario.routed_ticket(session, "zendesk", "4101")

    assert Worker("w1").run_once()

    done = scenario.job(session, job.id)
    assert done.status == "done" and done.attempts == 1
    assert done.result["written"] is True and done.result["decision_id"] == decision.id
    ticket = fake_zendesk.tickets[4101]
    marker = f"triage_note_{decision.id}"
    assert ticket["tags"] == ["vip_merchant", "cat_settlement_delay", "team_settlements", marker]
    assert ticket["group_id"] == 901
    assert ticket["custom_fields"] == [
        {"id": scenario.CATEGORY_FIELD_ID, "value": "settlement_delay"}
    ]
    (note,) = fake_zendesk.notes(4101)
    assert note["body"].startswith(f"[triage:{decision.id}]")
    for part in ("settlement_delay", "0.91", "0.83", "classifier m-2026-11-20-a1b2", "batch"):
        assert part in note["body"]
    assert fake_zendesk.notes(4101, public=True) == []
    (put,) = fake_zendesk.requests_for("PUT")
    (get,) = fake_zendesk.requests_for("GET")
    assert put.body["ticket"]["safe_update"] is True
    assert put.body["ticket"]["updated_stamp"] == "2026-11-24T09:00:01Z"
    assert "tags" not in put.body["ticket"]  # additional_tags only: never replace tags
    assert get.headers["authorization"].startswith("Basic ")


def test_a_retried_job_sees_its_marker_and_does_not_write_twice(
    session: Session, fake_zendesk: FakeZendesk, monkeypatch: pytest.MonkeyPatch
) -> None:
    scenario.configure(monkeypatch, **scenario.zendesk_env(fake_zendesk))
    ticket, decision, _ = scenario.routed_ticket(session, "zendesk", "4102")
    assert Worker("w1").run_once()
    again = queue.enqueue(
        session,
        "writeback.note",
        ticket_id=ticket.id,
        payload={"ticket_id": ticket.id, "decision_id": decision.id},
        dedupe_key=f"writeback.note:{ticket.id}:again",
    )
    session.commit()

    assert Worker("w2").run_once()

    assert scenario.job(session, again.id).result["skipped"] == "already_written"
    assert len(fake_zendesk.notes(4102)) == 1 and len(fake_zendesk.requests_for("PUT")) == 1


def test_429_is_retried_no_sooner_than_retry_after(
    session: Session, fake_zendesk: FakeZendesk, monkeypatch: pytest.MonkeyPatch
) -> None:
    scenario.configure(monkeypatch, **scenario.zendesk_env(fake_zendesk))
    fake_zendesk.fail(429, method="PUT", retry_after="1")
    _, _, job = scenario.routed_ticket(session, "zendesk", "4103")
    before = utcnow()
    worker = Worker("w1")

    assert worker.run_once()

    waiting = scenario.job(session, job.id)
    assert waiting.status == "queued" and waiting.last_error == "zendesk answered HTTP 429"
    assert waiting.run_at - before >= timedelta(seconds=1)
    assert not worker.run_once()  # not due yet
    _run_until_done(session, worker, scenario.ident(job))
    assert scenario.job(session, job.id).attempts == 2
    assert len(fake_zendesk.notes(4103)) == 1


def test_500_then_success(
    session: Session, fake_zendesk: FakeZendesk, monkeypatch: pytest.MonkeyPatch
) -> None:
    scenario.configure(monkeypatch, **scenario.zendesk_env(fake_zendesk))
    fake_zendesk.fail(500, method="PUT")
    _, _, job = scenario.routed_ticket(session, "zendesk", "4104")

    _run_until_done(session, Worker("w1"), scenario.ident(job))

    done = scenario.job(session, job.id)
    assert (done.status, done.attempts) == ("done", 2)
    assert len(fake_zendesk.notes(4104)) == 1


def test_timeout_after_the_write_landed_does_not_duplicate_the_note(
    session: Session, fake_zendesk: FakeZendesk, monkeypatch: pytest.MonkeyPatch
) -> None:
    scenario.configure(
        monkeypatch, **scenario.zendesk_env(fake_zendesk), writeback_timeout_seconds=0.3
    )
    fake_zendesk.delay(3, method="PUT", after=True)
    _, _, job = scenario.routed_ticket(session, "zendesk", "4105")
    worker = Worker("w1")

    assert worker.run_once()
    assert scenario.job(session, job.id).last_error == "zendesk timed out on PUT"
    _run_until_done(session, worker, scenario.ident(job))

    assert scenario.job(session, job.id).result["skipped"] == "already_written"
    assert len(fake_zendesk.notes(4105)) == 1


def test_409_conflict_rereads_and_writes_on_the_fresh_stamp(
    session: Session, fake_zendesk: FakeZendesk, monkeypatch: pytest.MonkeyPatch
) -> None:
    scenario.configure(monkeypatch, **scenario.zendesk_env(fake_zendesk))
    fake_zendesk.add_ticket(4106, tags=["billing"])
    fake_zendesk.before(lambda: fake_zendesk.agent_edit(4106), method="PUT")
    _, _, job = scenario.routed_ticket(session, "zendesk", "4106")

    assert Worker("w1").run_once()

    done = scenario.job(session, job.id)
    assert done.status == "done" and done.result["conflicts"] == 1
    first, second = fake_zendesk.requests_for("PUT")
    assert first.body["ticket"]["updated_stamp"] != second.body["ticket"]["updated_stamp"]
    assert len(fake_zendesk.notes(4106)) == 1 and "billing" in fake_zendesk.tickets[4106]["tags"]


def test_401_is_not_retried_and_the_job_is_dead_with_a_clear_reason(
    session: Session, fake_zendesk: FakeZendesk, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = scenario.zendesk_env(fake_zendesk, zendesk_api_token="revoked-token")
    scenario.configure(monkeypatch, **env)
    _, _, job = scenario.routed_ticket(session, "zendesk", "4107")

    assert Worker("w1").run_once()

    dead = scenario.job(session, job.id)
    assert (dead.status, dead.attempts) == ("dead", 1)
    assert "refused our credentials (HTTP 401)" in (dead.last_error or "")
    assert "TRIAGE_ZENDESK_API_TOKEN" in (dead.last_error or "")
    assert fake_zendesk.requests_for("PUT") == []


def test_not_configured_records_a_dry_run(
    session: Session, fake_zendesk: FakeZendesk, monkeypatch: pytest.MonkeyPatch
) -> None:
    scenario.configure(monkeypatch)
    _, decision, job = scenario.routed_ticket(session, "zendesk", "4108")

    assert Worker("w1").run_once()

    done = scenario.job(session, job.id)
    assert done.status == "done" and done.result["dry_run"] is True
    assert done.result["group_id"] == 901
    assert f"triage_note_{decision.id}" in done.result["tags"]
    assert fake_zendesk.requests == []


def test_card_number_in_a_draft_is_redacted_before_sending(
    session: Session, fake_zendesk: FakeZendesk, monkeypatch: pytest.MonkeyPatch
) -> None:
    scenario.configure(monkeypatch, **scenario.zendesk_env(fake_zendesk))
    ticket, _, _ = scenario.routed_ticket(session, "zendesk", "4109")
    reply = session.exec(select(Reply).where(Reply.ticket_id == ticket.id)).one()
    reply.body = f"The card {PAN} was charged twice."
    session.add(reply)
    session.commit()

    assert Worker("w1").run_once()

    (note,) = fake_zendesk.notes(4109)
    assert "was charged twice" in note["body"]
    assert "4111" not in str([r.body for r in fake_zendesk.requests])
