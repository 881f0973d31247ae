"""Write-back to a fake ServiceNow Table API over real HTTP."""

import pytest
from sqlmodel import Session

from tests.fakes.servicenow import FakeServiceNow
from tests.writeback import scenario
from triage.jobs import queue
from triage.jobs.worker import Worker

SYS_ID = "9d385017c611228701d22104cc95c371"


@pytest.mark.parametrize("bearer", [False, True], ids=["basic", "oauth"])
def test_patch_sets_group_category_and_a_work_note_never_a_comment(
    session: Session, fake_servicenow: FakeServiceNow, monkeypatch: pytest.MonkeyPatch, bearer: bool
) -> None:
    scenario.configure(monkeypatch, **scenario.servicenow_env(fake_servicenow, bearer))
    fake_servicenow.add_record("incident", SYS_ID, number="INC0010042", category="inquiry")
    _, decision, job = scenario.routed_ticket(session, "servicenow", SYS_ID)

    assert Worker("w1").run_once()

    assert scenario.job(session, job.id).result["written"] is True
    record = fake_servicenow.records[("incident", SYS_ID)]
    assert record["assignment_group"] == "Settlements Team"
    assert record["category"] == "settlements"
    (note,) = fake_servicenow.entries(SYS_ID, "work_notes")
    assert note["value"].startswith(f"[triage:{decision.id}]")
    assert fake_servicenow.entries(SYS_ID, "comments") == []
    (patch,) = fake_servicenow.requests_for("PATCH")
    assert patch.path == f"/api/now/table/incident/{SYS_ID}"
    assert "comments" not in patch.body
    assert patch.query["sysparm_input_display_value"] == "true"
    scheme = "Bearer" if bearer else "Basic"
    assert patch.headers["authorization"].startswith(scheme)


def test_retried_job_finds_its_work_note_and_skips(
    session: Session, fake_servicenow: FakeServiceNow, monkeypatch: pytest.MonkeyPatch
) -> None:
    scenario.configure(monkeypatch, **scenario.servicenow_env(fake_servicenow))
    fake_servicenow.add_record("incident", SYS_ID)
    ticket, decision, _ = scenario.routed_ticket(session, "servicenow", SYS_ID)
    assert Worker("w1").run_once()
    again = queue.enqueue(
        session,
        "writeback.note",
        ticket_id=ticket.id,
        payload={"ticket_id": ticket.id, "decision_id": decision.id},
        dedupe_key="writeback:again",
    )
    session.commit()

    assert Worker("w2").run_once()

    assert scenario.job(session, again.id).result["skipped"] == "already_written"
    assert len(fake_servicenow.entries(SYS_ID)) == 1


def test_429_then_success_and_401_dead(
    session: Session, fake_servicenow: FakeServiceNow, monkeypatch: pytest.MonkeyPatch
) -> None:
    scenario.configure(monkeypatch, **scenario.servicenow_env(fake_servicenow))
    fake_servicenow.add_record("incident", SYS_ID)
    fake_servicenow.fail(429, method="PATCH", retry_after="0")
    _, _, job = scenario.routed_ticket(session, "servicenow", SYS_ID)
    worker = Worker("w1")
    assert worker.run_once()
    assert scenario.job(session, job.id).last_error == "servicenow answered HTTP 429"
    assert scenario.poll(
        lambda: worker.run_once() or scenario.job(session, job.id).status == "done"
    )
    assert len(fake_servicenow.entries(SYS_ID)) == 1

    scenario.configure(monkeypatch, servicenow_password="wrong")
    other = "0" * 31 + "1"
    fake_servicenow.add_record("incident", other)
    _, _, job2 = scenario.routed_ticket(session, "servicenow", other)
    assert Worker("w2").run_once()
    dead = scenario.job(session, job2.id)
    assert dead.status == "dead" and "HTTP 401" in (dead.last_error or "")
    assert "TRIAGE_SERVICENOW" in (dead.last_error or "")


def test_not_configured_records_a_dry_run(
    session: Session, fake_servicenow: FakeServiceNow, monkeypatch: pytest.MonkeyPatch
) -> None:
    scenario.configure(monkeypatch, servicenow_base_url=fake_servicenow.base_url)
    _, _, job = scenario.routed_ticket(session, "servicenow", SYS_ID)

    assert Worker("w1").run_once()

    result = scenario.job(session, job.id).result
    assert result["dry_run"] is True and result["journal_field"] == "work_notes"
    assert result["fields"]["assignment_group"] == "Settlements Team"
    assert fake_servicenow.requests == []
