"""ServiceNow write-back lands exactly once whatever the ACL on sys_journal_field says."""

from collections.abc import Iterator

import pytest
from sqlmodel import Session

from tests.fakes.servicenow import ACL_MODES, FakeServiceNow
from tests.writeback import scenario
from triage.jobs.worker import Worker
from triage.writeback.servicenow import has_marker

SYS_ID = "46d44a5dc0a8010e0000b8f5c3d8f2a1"
CASES = [("record_journal", acl) for acl in ACL_MODES] + [
    ("journal_table", acl) for acl in ("readable", "denied", "absent")
]


@pytest.fixture
def strict_servicenow(request: pytest.FixtureRequest) -> Iterator[FakeServiceNow]:
    fake = FakeServiceNow(journal_acl=request.param)
    fake.start()
    yield fake
    fake.stop()


def _drain(session: Session, job_id: int | None) -> None:
    worker = Worker("w1")
    # Until nothing is left to run and the job has an outcome (retries wait out their backoff).
    assert scenario.poll(
        lambda: not worker.run_once() and scenario.job(session, job_id).status in ("done", "dead")
    )


@pytest.mark.parametrize(
    ("dedupe", "strict_servicenow"),
    CASES,
    indirect=["strict_servicenow"],
    ids=[f"{d}-{a}" for d, a in CASES],
)
def test_a_note_whose_answer_was_lost_is_found_on_retry_and_not_written_again(
    session: Session,
    strict_servicenow: FakeServiceNow,
    monkeypatch: pytest.MonkeyPatch,
    dedupe: str,
) -> None:
    fake = strict_servicenow
    scenario.configure(monkeypatch, **scenario.servicenow_env(fake), servicenow_dedupe=dedupe)
    fake.add_record("incident", SYS_ID, number="INC0010077")
    fake.add_note("incident", SYS_ID, "Called the merchant, waiting on the bank statement.")
    # The note lands, then a proxy in front of the instance answers 504.
    fake.fail(504, method="PATCH", after=True)
    _, decision, job = scenario.routed_ticket(session, "servicenow", SYS_ID)

    _drain(session, job.id)

    done = scenario.job(session, job.id)
    assert (done.status, done.attempts) == ("done", 2)
    assert done.result["skipped"] == "already_written"
    (note,) = fake.entries(SYS_ID, "work_notes")
    assert note["value"].startswith(f"[triage:{decision.id}]")
    assert len(fake.requests_for("PATCH")) == 1


@pytest.mark.parametrize("strict_servicenow", ["denied"], indirect=True)
def test_the_record_journal_check_reads_the_rendered_display_value(
    session: Session, strict_servicenow: FakeServiceNow, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = strict_servicenow
    scenario.configure(monkeypatch, **scenario.servicenow_env(fake))
    fake.add_record("incident", SYS_ID)
    _, _, job = scenario.routed_ticket(session, "servicenow", SYS_ID)

    _drain(session, job.id)

    (check, *_) = fake.requests_for("GET", f"/incident/{SYS_ID}")
    assert check.query["sysparm_fields"] == "work_notes"
    assert check.query["sysparm_display_value"] == "true"
    assert fake.requests_for("GET", "sys_journal_field") == []
    assert scenario.job(session, job.id).result["written"] is True


def test_a_marker_is_found_only_whole_in_a_rendered_journal() -> None:
    journal = (
        "2026-12-05 09:00:02 - Triage Integration (Work notes)\n[triage:12] Triage suggestion\n\n"
        "2026-12-05 09:00:01 - Abel Tuter (Work notes)\nSee Ref. triage-reply-30 above\n\n"
    )
    assert has_marker(journal, "[triage:12]")
    assert not has_marker(journal, "[triage:1]")
    assert has_marker(journal, "Ref. triage-reply-30")
    assert not has_marker(journal, "Ref. triage-reply-3")
    assert not has_marker("", "[triage:12]")


def test_429_with_retry_after_waits_and_writes_once(
    session: Session, fake_servicenow: FakeServiceNow, monkeypatch: pytest.MonkeyPatch
) -> None:
    scenario.configure(monkeypatch, **scenario.servicenow_env(fake_servicenow))
    other = "0" * 31 + "2"
    for sys_id in (SYS_ID, other):
        fake_servicenow.add_record("incident", sys_id)
    # Three requests per second: the first ticket's check and write pass, then the second
    # ticket's check does, and its write is throttled.
    fake_servicenow.throttle(limit=3, window=1.0)
    jobs = [scenario.routed_ticket(session, "servicenow", s)[2] for s in (SYS_ID, other)]
    worker = Worker("w1")

    assert worker.run_once() and worker.run_once()
    retried = scenario.job(session, jobs[1].id)
    assert retried.status == "queued" and retried.last_error == "servicenow answered HTTP 429"
    assert (retried.run_at - retried.updated_at).total_seconds() >= 1.0
    _drain(session, jobs[1].id)

    assert [scenario.job(session, j.id).status for j in jobs] == ["done", "done"]
    assert [len(fake_servicenow.entries(s)) for s in (SYS_ID, other)] == [1, 1]
