"""Training as a task: the "classify.train" job the lead pages queue, and the first model at start.

The job trains on labels/data plus analysts' trainable corrections and registers the result
as a candidate; it never activates anything. Progress lines are written to the job row in their
own short transactions, so the models page can show them while training is still under way.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from sqlalchemy import update
from sqlmodel import Session, col, select

from triage.audit import log as audit
from triage.classify import artefact, data, registry
from triage.classify.models import ModelVersion
from triage.classify.train import Progress, quiet, train
from triage.config import Settings, get_settings
from triage.db.engine import session_scope
from triage.jobs import handlers, queue
from triage.jobs.models import Job, JobStatus, TaskKind

KIND = TaskKind.CLASSIFY_TRAIN


def current_job(session: Session) -> Job | None:
    """The training job queued or running now, if any."""
    query = select(Job).where(
        Job.kind == KIND, col(Job.status).in_((JobStatus.QUEUED, JobStatus.RUNNING))
    )
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
                .where(col(Job.id) == self.job_id, col(Job.status) == JobStatus.RUNNING)
                .values(result={"progress": list(self.lines)})
            )


@handlers.handler(KIND)
def run(session: Session, job: Job) -> dict[str, Any]:
    assert job.id is not None
    actor = str(job.payload.get("actor") or "system")
    progress = ProgressLog(job.id)
    try:
        model, taxonomy_hash = train_from_labels(session, get_settings(), progress)
    except data.DataError as exc:
        raise handlers.PermanentError(exc.message) from None
    row = registry.register(
        session, model, taxonomy_hash=taxonomy_hash, created_by=actor, notes=f"job {job.id}"
    )
    # Not published through ProgressLog: this transaction now holds SQLite's write lock.
    progress.lines.append(f"registered candidate {row.id} ({row.n_train} examples)")
    audit.record(session, actor, "model.train", after={"version": row.id, "job_id": job.id})
    return {"version": row.id, "n_train": row.n_train, "progress": progress.lines}


def train_from_labels(
    session: Session,
    settings: Settings,
    progress: Progress,
    files: list[Path] | None = None,
    taxonomy: Path | None = None,
) -> tuple[artefact.TrainedModel, str]:
    """Train on labels/data (or `files`) plus corrections; returns the model and taxonomy hash."""
    examples = data.training_rows(session, settings, files)
    taxonomy = taxonomy or settings.labels_dir / "taxonomy.yaml"
    categories = data.load_taxonomy(taxonomy) if taxonomy.exists() else None
    if categories is not None:
        data.check_labels(examples, categories)
    model = train(
        examples,
        target_precision=settings.target_precision,
        min_examples=settings.min_examples_per_category,
        paraphrase_similarity=settings.paraphrase_similarity,
        categories=categories,
        progress=progress,
    )
    labels = categories or model.labels
    return model, data.taxonomy_hash(taxonomy if categories else None, labels)


def ensure_active(
    session: Session, settings: Settings, progress: Progress | None = None
) -> str | None:
    """First start: with no model version at all, train one from labels/data and activate it."""
    progress = progress or quiet
    current = registry.active_version(session)
    if current is not None:
        return current.id
    if session.exec(select(ModelVersion.id)).first() is not None:
        progress("model versions exist but none is active: promote one with `triage promote`")
        return None
    progress("no model yet: training the first one from labels/data")
    model, taxonomy_hash = train_from_labels(session, settings, progress)
    row = registry.register(session, model, taxonomy_hash=taxonomy_hash, created_by="system")
    registry.activate(session, row.id, "system", detail="first model, trained at start-up")
    return row.id
