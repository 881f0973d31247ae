"""The queue's guarantees on both databases: idempotent enqueue, leases, backoff, dead jobs."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, insert
from sqlmodel import Session, select

from tests.writeback import scenario
from triage.audit.models import AuditEvent
from triage.config import get_settings
from triage.db.engine import utcnow
from triage.errors import TriageError
from triage.jobs import queue
from triage.jobs.models import Job
from triage.jobs.worker import Worker


def _enqueue(session: Session, key: str = "k1", kind: str = "writeback.note") -> Job:
    job = queue.enqueue(session, kind, ticket_id=None, payload={"ticket_id": 1}, dedupe_key=key)
    session.commit()
    return job


def test_enqueue_is_idempotent_on_the_dedupe_key(session: Session) -> None:
    first = _enqueue(session)
    second = _enqueue(session)
    assert first.id == second.id
    assert session.exec(select(func.count()).select_from(Job)).one() == 1
    assert first.max_attempts == get_settings().job_max_attempts


def test_claim_takes_due_jobs_once_under_a_lease(session: Session) -> None:
    job = _enqueue(session)
    claimed = queue.claim(session, "w1", lease_seconds=30)
    session.commit()
    assert claimed is not None and claimed.id == job.id
    assert (claimed.status, claimed.lease_owner, claimed.attempts) == ("running", "w1", 1)
    assert queue.claim(session, "w2", lease_seconds=30) is None


def test_an_expired_lease_makes_the_job_claimable_again(session: Session) -> None:
    _enqueue(session)
    # Expired longer ago than the write timeout: no write of the crashed worker can be in flight.
    long_ago = -(get_settings().writeback_timeout_seconds + 1)
    assert queue.claim(session, "crashed", lease_seconds=long_ago) is not None
    session.commit()
    retaken = queue.claim(session, "w2", lease_seconds=30)
    session.commit()
    assert retaken is not None and retaken.lease_owner == "w2" and retaken.attempts == 2
    # The crashed worker's late completion is refused: it no longer holds the lease.
    assert not queue.complete(session, scenario.ident(retaken), "crashed", {"late": True})
    assert queue.complete(session, scenario.ident(retaken), "w2", {"ok": True})


def test_a_lease_just_expired_is_not_taken_over_while_a_write_may_be_in_flight(
    session: Session,
) -> None:
    _enqueue(session)
    assert queue.claim(session, "stalled", lease_seconds=-1) is not None
    session.commit()
    assert queue.claim(session, "w2", lease_seconds=30) is None


def test_renew_extends_only_the_holders_lease(session: Session) -> None:
    _enqueue(session)
    claimed = queue.claim(session, "w1", lease_seconds=5)
    session.commit()
    assert claimed is not None and claimed.lease_expires_at is not None
    assert not queue.renew(session, scenario.ident(claimed), "w2", 300)
    assert queue.renew(session, scenario.ident(claimed), "w1", 300)
    session.commit()
    renewed = scenario.job(session, claimed.id)
    assert renewed.lease_expires_at is not None
    assert renewed.lease_expires_at - claimed.lease_expires_at > timedelta(seconds=200)


def test_future_jobs_wait(session: Session) -> None:
    job = _enqueue(session)
    job.run_at = utcnow() + timedelta(minutes=5)
    session.add(job)
    session.commit()
    assert queue.claim(session, "w1", 30) is None


def test_failure_backs_off_honours_retry_after_then_goes_dead(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    scenario.configure(monkeypatch, job_max_attempts=2)
    job = _enqueue(session)
    assert queue.claim(session, "w1", 30) is not None
    before = utcnow()
    assert (
        queue.fail(session, scenario.ident(job), "w1", "zendesk answered HTTP 429", retry_after=30)
        == "queued"
    )
    session.commit()
    waiting = scenario.job(session, job.id)
    assert waiting.run_at >= before + timedelta(seconds=30)
    waiting.run_at = utcnow()
    session.add(waiting)
    session.commit()
    assert queue.claim(session, "w1", 30) is not None
    assert queue.fail(session, scenario.ident(job), "w1", "zendesk answered HTTP 500") == "dead"
    session.commit()
    dead = scenario.job(session, job.id)
    assert dead.status == "dead" and dead.last_error == "zendesk answered HTTP 500"


def test_backoff_grows_with_jitter_and_is_capped(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRIAGE_JOB_BACKOFF_BASE_SECONDS", "2")
    monkeypatch.setenv("TRIAGE_JOB_BACKOFF_MAX_SECONDS", "60")
    get_settings.cache_clear()
    try:
        assert all(1 <= queue.backoff_seconds(0) <= 2 for _ in range(50))
        assert all(4 <= queue.backoff_seconds(2) <= 8 for _ in range(50))
        assert len({queue.backoff_seconds(3) for _ in range(20)}) > 1
        assert all(30 <= queue.backoff_seconds(30) <= 60 for _ in range(20))
        assert queue.backoff_seconds(0, retry_after=45) == 45
        assert queue.backoff_seconds(0, retry_after=3600) == 60
    finally:
        get_settings.cache_clear()


def test_lead_retries_a_dead_job_and_it_is_audited(session: Session) -> None:
    job = _enqueue(session)
    with pytest.raises(TriageError) as not_dead:
        queue.retry(session, scenario.ident(job), "lead@psp.example")
    assert not_dead.value.status_code == 409
    queue.claim(session, "w1", 30)
    queue.fail(session, scenario.ident(job), "w1", "bad credentials", permanent=True)
    session.commit()

    retried = queue.retry(session, scenario.ident(job), "lead@psp.example")
    session.commit()

    assert (retried.status, retried.attempts) == ("queued", 0)
    event = session.exec(select(AuditEvent).where(AuditEvent.action == "job.retry")).one()
    assert event.actor == "lead@psp.example" and event.before["status"] == "dead"
    with pytest.raises(TriageError):
        queue.retry(session, 999_999, "lead@psp.example")


def test_unknown_job_kind_is_dead_with_a_reason(session: Session) -> None:
    job = _enqueue(session, kind="fax_the_merchant")
    assert Worker("w1").run_once()
    dead = scenario.job(session, job.id)
    assert dead.status == "dead" and "no handler" in (dead.last_error or "")


def _plan(session: Session, statement: object, params: dict[str, object]) -> str:
    """The database's plan for a statement, as one text (EXPLAIN on both databases)."""
    connection = session.connection()
    compiled = statement.compile(dialect=connection.dialect)  # type: ignore[attr-defined]
    values = compiled.construct_params(params)
    if connection.dialect.name == "sqlite":
        ordered = tuple(values[name] for name in compiled.positiontup)
        rows = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}", ordered).all()
    else:
        # The plan a long-lived worker ends up with: generic, its values unknown when planned.
        connection.exec_driver_sql("ANALYZE jobs")
        connection.exec_driver_sql("SET LOCAL plan_cache_mode = force_generic_plan")
        names = list(dict.fromkeys(re.findall(r"%\((\w+)\)s", str(compiled))))
        numbered = re.sub(r"%\((\w+)\)s", lambda m: f"${names.index(m[1]) + 1}", str(compiled))
        connection.exec_driver_sql(f"PREPARE claim_plan AS {numbered}".replace("%%", "%"))
        given = ", ".join(_literal(values[name]) for name in names)
        rows = connection.exec_driver_sql(f"EXPLAIN EXECUTE claim_plan({given})").all()
        connection.exec_driver_sql("DEALLOCATE claim_plan")  # outlives the transaction
    return "\n".join(str(row[-1]) for row in rows)


def _literal(value: object) -> str:
    return str(value) if isinstance(value, int) else f"'{value}'"


def test_claims_search_only_the_waiting_and_leased_jobs(session: Session) -> None:
    """The claim is planned on the partial indexes, not on a scan of every job ever done."""
    history = [
        {
            "kind": "writeback.note",
            "dedupe_key": f"done-{n}",
            "status": "done",
            "payload": {},
            "result": {},
        }
        for n in range(5000)
    ]
    session.connection().execute(insert(Job), history)
    session.commit()
    now = utcnow()
    params = {
        "now": now,
        "expired_before": now,
        "worker_id": "w1",
        "lease_expires_at": now + timedelta(seconds=30),
    }
    dialect = session.get_bind().dialect.name
    plan = _plan(session, queue._claim_statement(dialect, 8), params)
    session.rollback()
    assert "ix_jobs_queued" in plan and "ix_jobs_leased" in plan, plan
