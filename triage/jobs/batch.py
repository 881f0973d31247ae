"""Several claimed jobs at once: their completions recorded in one statement, the rest handed back.

A worker claims a batch (`queue.claim_many`) and runs it job by job. A job whose handler only
reads the database (its effect is elsewhere, made exactly-once by a marker there) does not need
a transaction of its own to record that it is done: its completion waits in `Completions` and
is written with the others of the batch, one UPDATE and one commit for all of them.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from sqlalchemy import Table, and_, bindparam, select, text, update
from sqlmodel import Session

from triage import metrics
from triage.db.engine import utcnow, write_scope
from triage.jobs import queue
from triage.jobs.models import Job, JobStatus

log = logging.getLogger(__name__)


def _jobs() -> Table:
    return Job.__table__  # type: ignore[attr-defined,no-any-return]


def _held_by(worker_id: str, job_ids: list[int]) -> Any:
    jobs = _jobs()
    return and_(
        jobs.c.id.in_(job_ids),
        jobs.c.status == JobStatus.RUNNING,
        jobs.c.lease_owner == worker_id,
    )


@lru_cache(maxsize=1)
def _complete_each() -> Any:
    jobs = _jobs()
    return (
        update(jobs)
        .where(
            jobs.c.id == bindparam("job_id"),
            jobs.c.status == JobStatus.RUNNING,
            jobs.c.lease_owner == bindparam("worker_id"),
        )
        .values(
            status=JobStatus.DONE,
            result=bindparam("result", type_=jobs.c.result.type),
            lease_owner=None,
            lease_expires_at=None,
            finished_at=bindparam("now", type_=jobs.c.updated_at.type),
            updated_at=bindparam("now", type_=jobs.c.updated_at.type),
        )
    )


def complete_many(session: Session, worker_id: str, results: dict[int, dict[str, Any]]) -> set[int]:
    """Mark done the jobs this worker still holds; returns their ids (the others lost their lease).

    The jobs still held are locked first (FOR UPDATE; SQLite holds its write lock), so none can
    be taken over between the check and the update; the update is one executemany, which
    psycopg sends as one pipeline.
    """
    if not results:
        return set()
    if len(results) == 1:  # one statement, without the lock first
        [(job_id, result)] = results.items()
        return {job_id} if queue.complete(session, job_id, worker_id, result) else set()
    if session.get_bind().dialect.name == "postgresql":
        return _complete_together(session, worker_id, results)
    jobs = _jobs()
    query = select(jobs.c.id).where(_held_by(worker_id, list(results))).with_for_update()
    held = {int(job_id) for job_id in session.connection().execute(query).scalars()}
    if held:
        now = utcnow()
        params = [
            {"job_id": job_id, "worker_id": worker_id, "result": results[job_id], "now": now}
            for job_id in sorted(held)
        ]
        session.connection().execute(_complete_each(), params)
    return held


# One UPDATE for the whole batch, its results as one JSON parameter: PostgreSQL locks each row
# and checks the lease again before it updates it, so no lock is taken first.
_COMPLETE_TOGETHER = text(
    "UPDATE jobs SET status = :done, result = r.result, lease_owner = NULL,"
    " lease_expires_at = NULL, finished_at = :now, updated_at = :now"
    " FROM json_to_recordset(CAST(:rows AS json)) AS r(id integer, result json)"
    " WHERE jobs.id = r.id AND jobs.status = :running AND jobs.lease_owner = :worker_id"
    " RETURNING jobs.id"
)


def _complete_together(
    session: Session, worker_id: str, results: dict[int, dict[str, Any]]
) -> set[int]:
    rows = [{"id": job_id, "result": result} for job_id, result in sorted(results.items())]
    params = {
        "rows": json.dumps(rows),
        "done": JobStatus.DONE.value,
        "running": JobStatus.RUNNING.value,
        "worker_id": worker_id,
        "now": utcnow(),
    }
    done = session.connection().execute(_COMPLETE_TOGETHER, params).scalars()
    return {int(job_id) for job_id in done}


def release_many(session: Session, worker_id: str, job_ids: list[int]) -> int:
    """Give claimed jobs back untouched (not started: the attempt does not count)."""
    if not job_ids:
        return 0
    jobs, now = _jobs(), utcnow()
    stmt = (
        update(jobs)
        .where(_held_by(worker_id, job_ids))
        .values(
            status=JobStatus.QUEUED,
            lease_owner=None,
            lease_expires_at=None,
            attempts=jobs.c.attempts - 1,
            run_at=now,
            updated_at=now,
        )
    )
    return int(session.connection().execute(stmt).rowcount)


@dataclass
class Completions:
    """Finished jobs of one batch whose completion is not recorded yet."""

    worker_id: str
    pending: dict[int, tuple[Job, dict[str, Any], float]] = field(default_factory=dict)

    def add(self, job: Job, result: dict[str, Any], seconds: float) -> None:
        assert job.id is not None
        self.pending[job.id] = (job, result, seconds)

    def flush(self) -> None:
        """Record every pending completion in one write transaction, then their metrics."""
        if not self.pending:
            return
        results = {job_id: result for job_id, (_job, result, _s) in self.pending.items()}
        with write_scope() as session:
            done = complete_many(session, self.worker_id, results)
        for job_id, (job, _result, seconds) in self.pending.items():
            record(job, JobStatus.DONE if job_id in done else "lease_lost", seconds)
        self.pending.clear()


def record(job: Job, outcome: str, seconds: float) -> None:
    """The metrics and log line of one finished attempt."""
    metrics.JOB_RUN.labels(kind=job.kind, outcome=outcome).observe(seconds)
    if outcome == JobStatus.DONE:
        latency = (utcnow() - job.created_at).total_seconds()
        metrics.JOB_LATENCY.labels(kind=job.kind).observe(max(latency, 0.0))
    log.info("job %s (%s) attempt %s: %s", job.id, job.kind, job.attempts, outcome)
