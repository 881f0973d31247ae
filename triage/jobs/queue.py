"""The durable job queue: idempotent enqueue, leased claims, backoff, dead letters.

A job is claimed by one worker at a time under a lease. A crashed worker's lease expires and the
job becomes claimable again; handlers are idempotent, so running twice never writes twice.
"""

from __future__ import annotations

import random
from datetime import timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import Table, and_, bindparam, or_, update
from sqlmodel import Session, col, select

from triage import metrics, tracing
from triage.audit import log as audit
from triage.config import get_settings
from triage.db.engine import utcnow
from triage.db.statements import detached, insert_ignore_id, insert_ignore_many
from triage.errors import TriageError
from triage.jobs import handlers
from triage.jobs.models import Job, JobStatus, has_status

STATUSES = tuple(JobStatus)
MAX_ERROR_CHARS = 500


def _job_values(
    kind: str, ticket_id: int | None, payload: dict[str, Any], dedupe_key: str, delay: float = 0.0
) -> dict[str, Any]:
    now = utcnow()
    return {
        "kind": kind,
        "ticket_id": ticket_id,
        "payload": payload,
        "dedupe_key": dedupe_key,
        "status": JobStatus.QUEUED,
        "attempts": 0,
        "max_attempts": get_settings().job_max_attempts,
        "run_at": now + timedelta(seconds=delay) if delay else now,
        "result": {},
        "created_at": now,
        "updated_at": now,
    }


def enqueue(
    session: Session, kind: str, *, ticket_id: int | None, payload: dict[str, Any], dedupe_key: str
) -> Job:
    """Add a job in the caller's transaction; a duplicate dedupe_key returns the existing job."""
    session.flush()
    job_id = enqueue_id(session, kind, ticket_id=ticket_id, payload=payload, dedupe_key=dedupe_key)
    job = session.get(Job, job_id)
    assert job is not None
    return job


def enqueue_many(session: Session, jobs: list[tuple[str, int | None, dict[str, Any], str]]) -> None:
    """Add (kind, ticket_id, payload, dedupe_key) jobs in one statement; duplicates are skipped."""
    insert_ignore_many(session, Job, job_rows(jobs), ["dedupe_key"], ("id",))


def job_rows(jobs: list[tuple[str, int | None, dict[str, Any], str]]) -> list[dict[str, Any]]:
    """The rows `enqueue_many` inserts (skipping a duplicate dedupe_key is the inserter's)."""
    return [
        _job_values(kind, ticket_id, tracing.with_trace(payload), key)
        for kind, ticket_id, payload, key in jobs
    ]


def enqueue_id(
    session: Session,
    kind: str,
    *,
    ticket_id: int | None,
    payload: dict[str, Any],
    dedupe_key: str,
    delay_seconds: float = 0.0,
) -> int:
    """`enqueue` for the webhook path: one Core statement when the job is new; returns its id.

    Pending ORM changes are not flushed first: callers write the rows the job refers to with
    Core statements, which run in order on the transaction's connection.
    """
    # The job continues the trace of what queued it (a delivery, or the job before it).
    values = _job_values(kind, ticket_id, tracing.with_trace(payload), dedupe_key, delay_seconds)
    job_id = insert_ignore_id(session, Job, values, ["dedupe_key"])
    if job_id is not None:
        return job_id
    existing = session.exec(select(Job.id).where(Job.dedupe_key == dedupe_key)).one()
    assert existing is not None  # a stored job always has its primary key
    return existing


def _claimable(now: Any, expired_before: Any) -> Any:
    queued = and_(has_status(JobStatus.QUEUED), col(Job.run_at) <= now)
    expired = and_(has_status(JobStatus.RUNNING), col(Job.lease_expires_at) < expired_before)
    return or_(queued, expired)


def _jobs() -> Table:
    return Job.__table__  # type: ignore[attr-defined,no-any-return]


def _when(name: str) -> Any:
    return bindparam(name, type_=_jobs().c.updated_at.type)


@lru_cache(maxsize=16)
def _claim_statement(dialect: str, limit: int) -> Any:
    """Built once per dialect and batch size, values as parameters, so the compiled form is
    cached: the embedded worker claims once per ticket, next to the webhook requests."""
    jobs, now = _jobs(), _when("now")
    claimable = _claimable(now, _when("expired_before"))
    pick = select(Job.id).where(claimable).order_by(col(Job.run_at)).limit(limit)
    if dialect == "postgresql":
        # Racing workers skip each other's rows instead of blocking or double-claiming.
        pick = pick.with_for_update(skip_locked=True)
    return (
        update(jobs)
        .where(jobs.c.id.in_(pick.scalar_subquery()))
        .values(
            status=JobStatus.RUNNING,
            lease_owner=bindparam("worker_id"),
            lease_expires_at=_when("lease_expires_at"),
            attempts=jobs.c.attempts + 1,
            updated_at=now,
        )
        .returning(*jobs.c)
    )


def claim(session: Session, worker_id: str, lease_seconds: float) -> Job | None:
    """Take the oldest due job (or one whose lease expired) under a fresh lease, atomically."""
    jobs = claim_many(session, worker_id, lease_seconds, 1)
    return jobs[0] if jobs else None


def claim_many(session: Session, worker_id: str, lease_seconds: float, limit: int) -> list[Job]:
    """Take up to `limit` of the oldest due jobs under one lease each, in one statement.

    One Core UPDATE ... RETURNING, oldest first; the Jobs returned are detached (not in the
    session). A worker takes several per round trip so that the queue's own bookkeeping (a
    claim and its commit) is paid once per batch rather than once per job.

    A lease that expired is taken over only once the write timeout has passed too: a worker
    that died (or stalled) mid-request may have a write in flight until then, and the new
    holder must see its marker rather than write a second note.
    """
    now = utcnow()
    grace = timedelta(seconds=get_settings().takeover_grace_seconds)
    params = {
        "now": now,
        "expired_before": now - grace,
        "worker_id": worker_id,
        "lease_expires_at": now + timedelta(seconds=lease_seconds),
    }
    stmt = _claim_statement(session.get_bind().dialect.name, limit)
    rows = session.connection().execute(stmt, params).all()
    # Built like loaded rows (no validation, no attribute events): about a tenth of a worker's
    # CPU per job otherwise, for values that come straight from the row.
    claimed = [detached(Job, row._mapping) for row in rows]
    # RETURNING follows no ORDER BY: run them in the order they were due.
    return sorted(claimed, key=lambda job: (job.run_at, job.id or 0))


def _owned(job_id: Any, worker_id: Any) -> Any:
    return and_(
        col(Job.id) == job_id,
        col(Job.status) == JobStatus.RUNNING,
        col(Job.lease_owner) == worker_id,
    )


@lru_cache(maxsize=1)
def _complete_statement() -> Any:
    now = _when("now")
    return (
        update(_jobs())
        .where(_owned(bindparam("job_id"), bindparam("worker_id")))
        .values(
            status=JobStatus.DONE,
            result=bindparam("result", type_=_jobs().c.result.type),
            lease_owner=None,
            lease_expires_at=None,
            finished_at=now,
            updated_at=now,
        )
    )


def complete(session: Session, job_id: int, worker_id: str, result: dict[str, Any]) -> bool:
    """Mark done if this worker still holds the lease; False means the lease was lost."""
    params = {"job_id": job_id, "worker_id": worker_id, "result": result, "now": utcnow()}
    outcome = session.connection().execute(_complete_statement(), params)
    return bool(outcome.rowcount)


@lru_cache(maxsize=1)
def _renew_statement() -> Any:
    return (
        update(_jobs())
        .where(_owned(bindparam("job_id"), bindparam("worker_id")))
        .values(lease_expires_at=_when("lease_expires_at"), updated_at=_when("now"))
    )


def renew(session: Session, job_id: int, worker_id: str, lease_seconds: float) -> bool:
    """Extend this worker's lease on a running job; False when the lease is no longer ours."""
    now = utcnow()
    params = {
        "job_id": job_id,
        "worker_id": worker_id,
        "now": now,
        "lease_expires_at": now + timedelta(seconds=lease_seconds),
    }
    return bool(session.connection().execute(_renew_statement(), params).rowcount)


def backoff_seconds(attempts: int, retry_after: float | None = None) -> float:
    """Exponential backoff with jitter, at least Retry-After, capped by settings."""
    settings = get_settings()
    ceiling = min(settings.job_backoff_max_seconds, settings.job_backoff_base_seconds * 2**attempts)
    # Half fixed, half random: spreads retries of a burst without ever retrying immediately.
    delay = ceiling / 2 + random.uniform(0, ceiling / 2)
    if retry_after is not None:
        delay = max(delay, retry_after)
    return min(delay, settings.job_backoff_max_seconds)


def fail(
    session: Session,
    job_id: int,
    worker_id: str,
    error: str,
    *,
    retry_after: float | None = None,
    permanent: bool = False,
) -> str | None:
    """Schedule a retry, or bury the job as dead; returns the new status (None: lease lost)."""
    job = session.get(Job, job_id, with_for_update=True, populate_existing=True)
    if job is None or job.status != JobStatus.RUNNING or job.lease_owner != worker_id:
        return None
    now = utcnow()
    job.last_error = error[:MAX_ERROR_CHARS]
    job.lease_owner = None
    job.lease_expires_at = None
    job.updated_at = now
    if permanent or job.attempts >= job.max_attempts:
        job.status = JobStatus.DEAD
        job.finished_at = now
        metrics.JOBS_DEAD.labels(kind=job.kind).inc()
        _on_dead(session, job)
    else:
        job.status = JobStatus.QUEUED
        job.run_at = now + timedelta(seconds=backoff_seconds(job.attempts - 1, retry_after))
        metrics.JOB_RETRIES.labels(kind=job.kind).inc()
    session.add(job)
    session.flush()
    return job.status


def _on_dead(session: Session, job: Job) -> None:
    hook = handlers.dead_hook(job.kind)
    if hook is not None:
        session.add(job)
        session.flush()
        hook(session, job)


def release(session: Session, job_id: int, worker_id: str) -> bool:
    """Give a job back untouched (worker shutting down mid-job): the attempt does not count."""
    stmt = (
        update(Job)
        .where(_owned(job_id, worker_id))
        .values(
            status=JobStatus.QUEUED,
            lease_owner=None,
            lease_expires_at=None,
            attempts=col(Job.attempts) - 1,
            run_at=utcnow(),
            updated_at=utcnow(),
        )
    )
    return bool(session.execute(stmt).rowcount)  # type: ignore[attr-defined]


def retry(session: Session, job_id: int, actor: str) -> Job:
    """A lead sends a dead job back to the queue with fresh attempts; audited."""
    job = session.get(Job, job_id, with_for_update=True, populate_existing=True)
    if job is None:
        raise TriageError("job not found", 404)
    if job.status != JobStatus.DEAD:
        raise TriageError(f"only dead jobs can be retried (job is {job.status})", 409)
    before = {"status": job.status, "attempts": job.attempts, "last_error": job.last_error}
    job.status, job.attempts, job.run_at = JobStatus.QUEUED, 0, utcnow()
    job.finished_at, job.updated_at = None, utcnow()
    session.add(job)
    session.flush()
    audit.record(
        session,
        actor,
        "job.retry",
        ticket_id=job.ticket_id,
        before=before,
        after={"status": JobStatus.QUEUED, "job_id": job.id, "kind": job.kind},
    )
    return job


def list_jobs(session: Session, status: str | None = None, limit: int = 100) -> list[Job]:
    query = select(Job).order_by(col(Job.id).desc()).limit(limit)
    if status is not None:
        query = query.where(Job.status == status)
    return list(session.exec(query).all())
