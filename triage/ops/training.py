"""Train a candidate from the lead pages: a durable job, with its progress readable while it runs.

The handler trains on labels/data plus analysts' trainable corrections and registers the result
as a candidate; it never activates anything. Progress lines are written to the job row in their
own short transactions, so the models page can show them while training is still under way.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import update
from sqlmodel import Session, col, select

from triage.audit import log as audit
from triage.classify import data, registry
from triage.config import get_settings
from triage.db.engine import session_scope
from triage.jobs import handlers, queue
from triage.jobs.models import Job

KIND = "train_model"


def current_job(session: Session) -> Job | None:
    """The training job queued or running now, if any."""
    query = select(Job).where(Job.kind == KIND, col(Job.status).in_(("queued", "running")))
    return session.exec(query.order_by(col(Job.id).desc())).first()


def latest_job(session: Session) -> Job | None:
    query = select(Job).where(Job.kind == KIND).order_by(col(Job.id).desc())
    return session.exec(query).first()


def enqueue(session: Session, actor: str) -> tuple[Job, bool]:
    """Queue a training run unless one is already waiting or running; (job, newly queued)."""
    running = current_job(session)
    if running is not None:
        return running, False
    job = queue.enqueue(
        session,
        KIND,
        ticket_id=None,
        payload={"actor": actor},
        dedupe_key=f"{KIND}:{uuid.uuid4().hex}",
    )
    audit.record(session, actor, "model.train_requested", after={"job_id": job.id})
    return job, True


class ProgressLog:
    """Collects progress lines and publishes them on the running job row."""

    def __init__(self, job_id: int) -> None:
        self.job_id = job_id
        self.lines: list[str] = []

    def __call__(self, message: str) -> None:
        self.lines.append(message)
        with session_scope() as session:
            session.execute(
                update(Job)
                .where(col(Job.id) == self.job_id, col(Job.status) == "running")
                .values(result={"progress": list(self.lines)})
            )


@handlers.handler(KIND)
def run(session: Session, job: Job) -> dict[str, Any]:
    assert job.id is not None
    actor = str(job.payload.get("actor") or "system")
    progress = ProgressLog(job.id)
    try:
        model, taxonomy_hash = registry.train_from_labels(session, get_settings(), progress)
    except data.DataError as exc:
        raise handlers.PermanentError(exc.message) from None
    row = registry.register(
        session, model, taxonomy_hash=taxonomy_hash, created_by=actor, notes=f"job {job.id}"
    )
    # Not published through ProgressLog: this transaction now holds SQLite's write lock.
    progress.lines.append(f"registered candidate {row.id} ({row.n_train} examples)")
    audit.record(session, actor, "model.train", after={"version": row.id, "job_id": job.id})
    return {"version": row.id, "n_train": row.n_train, "progress": progress.lines}
