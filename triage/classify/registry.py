"""Model versions in the database: register, activate, roll back, and load the active one.
Training lives in train.py (the algorithm) and tasks.py (the job, and the first start).

Every process serves the version marked active; `active_model` keeps it loaded (see loaded.py).
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlmodel import Session, col, select

from triage import metrics
from triage.audit import log as audit
from triage.classify import artefact
from triage.classify.loaded import LoadedModel
from triage.classify.models import ModelVersion, VersionStatus
from triage.db.engine import utcnow
from triage.errors import TriageError

log = logging.getLogger(__name__)
ACTIVE, CANDIDATE, RETIRED = VersionStatus.ACTIVE, VersionStatus.CANDIDATE, VersionStatus.RETIRED


VERSION_PREFIX = "clf-"
SUFFIX_LETTERS = 8


def _letters(value: int, n: int) -> str:
    out = []
    for _ in range(n):
        value, rest = divmod(value, 26)
        out.append(chr(ord("a") + rest))
    return "".join(out)


def new_version_id(digest: str, when: datetime | None = None) -> str:
    """`clf-20261205t230931-qkzhmwpa`: when it was made, then letters from the artefact's SHA-256.

    The id is written into every ticket note, so no run of digits in it is long enough to pass
    for a card number, even to a scanner that drops separators: letters split the date (8 digits)
    from the time (6), and the digest part has none. Ids of the older `20261205-230931-8965b454`
    form stay valid keys; notes show them with `notes.version_label`.
    """
    stamp = when or utcnow()
    suffix = _letters(int(digest[:16], 16), SUFFIX_LETTERS)
    return f"{VERSION_PREFIX}{stamp:%Y%m%dt%H%M%S}-{suffix}"


def register(
    session: Session,
    model: artefact.TrainedModel,
    *,
    taxonomy_hash: str,
    created_by: str,
    notes: str | None = None,
) -> ModelVersion:
    """Store a trained model as a candidate version; its id becomes the model's version."""
    blob = artefact.dumps(model)
    digest = artefact.sha256(blob)
    model.version = new_version_id(digest)
    row = ModelVersion(
        id=model.version,
        status=CANDIDATE,
        artefact=blob,
        sha256=digest,
        training_data_hash=str(model.metadata.get("training_data_hash", "")),
        taxonomy_hash=taxonomy_hash,
        n_train=int(model.metadata.get("n_train", 0)),
        labels=list(model.labels),
        metrics=dict(model.metadata.get("metrics", {})),
        thresholds=dict(model.thresholds),
        library_versions=dict(model.metadata.get("library_versions", {})),
        created_by=created_by,
        notes=notes,
    )
    session.add(row)
    session.flush()
    return row


def get_version(session: Session, version_id: str) -> ModelVersion:
    row = session.get(ModelVersion, version_id)
    if row is None:
        raise TriageError(f"no model version {version_id!r}", status_code=404)
    return row


def active_version(session: Session) -> ModelVersion | None:
    return session.exec(select(ModelVersion).where(col(ModelVersion.status) == ACTIVE)).first()


def load_version(row: ModelVersion) -> artefact.TrainedModel:
    return artefact.loads(
        row.artefact,
        row.sha256,
        version=row.id,
        thresholds=dict(row.thresholds),
        metadata={
            "metrics": row.metrics,
            "n_train": row.n_train,
            "created_at": str(row.created_at),
        },
    )


def _switch(session: Session, target: ModelVersion, *, remember_previous: bool) -> str | None:
    current = active_version(session)
    if current is not None and current.id != target.id:
        current.status = RETIRED
        session.add(current)
        session.flush()  # one active row at a time, even inside this transaction
    if remember_previous and current is not None and current.id != target.id:
        target.previous_active_id = current.id
    target.status = ACTIVE
    target.activated_at = utcnow()
    session.add(target)
    session.flush()
    _ACTIVE.forget(session)
    return current.id if current is not None else None


def activate(
    session: Session, version_id: str, actor: str, *, detail: str | None = None
) -> ModelVersion:
    """Make a version the one every process serves, and record who did it."""
    target = get_version(session, version_id)
    previous = _switch(session, target, remember_previous=True)
    audit.record(
        session,
        actor,
        "model.activate",
        before={"active": previous},
        after={"active": target.id},
        detail=detail,
    )
    return target


def rollback_target(session: Session) -> str | None:
    """The version a rollback would re-activate, if there is one."""
    current = active_version(session)
    return current.previous_active_id if current is not None else None


def rollback(session: Session, actor: str, reason: str | None = None) -> ModelVersion:
    """Re-activate the version that was active before the current one."""
    current = active_version(session)
    if current is None or current.previous_active_id is None:
        raise TriageError("nothing to roll back to: no previously active version", 409)
    target = get_version(session, current.previous_active_id)
    _switch(session, target, remember_previous=False)
    audit.record(
        session,
        actor,
        "model.rollback",
        before={"active": current.id},
        after={"active": target.id},
        detail=reason,
    )
    return target


def _active_id(session: Session) -> str | None:
    return session.exec(select(ModelVersion.id).where(col(ModelVersion.status) == ACTIVE)).first()


def active_model(session: Session) -> artefact.TrainedModel | None:
    """The active model, loaded once per process and reloaded only when the active id changes."""
    return _ACTIVE.get(session)


def _publish(version_id: str | None) -> None:
    metrics.MODEL_INFO.clear()
    if version_id is not None:
        metrics.MODEL_INFO.labels(version_id).set(1)


_ACTIVE = LoadedModel("active", _active_id, load_version, on_change=_publish)
