"""The ops JSON API for leads: dashboard, drift, model versions, compare, promote, roll back,
shadow and training. Writes take a Bearer token, or browser credentials with the CSRF header."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, Field

from triage.classify import compare, shadow
from triage.classify import tasks as training
from triage.errors import TriageError
from triage.jobs.models import Job
from triage.ops import dashboard, drift, service
from triage.web.deps import Config, Db, Lead, LeadWriter

router = APIRouter(prefix="/api/ops", tags=["ops"])

VersionId = Annotated[str, Path(min_length=1, max_length=64)]


class PromoteIn(BaseModel):
    force: bool = False
    reason: str | None = Field(default=None, max_length=1000)


class ShadowIn(BaseModel):
    version: str | None = Field(default=None, max_length=64)


def job_view(job: Job | None) -> dict[str, Any] | None:
    if job is None:
        return None
    return {
        "id": job.id,
        "status": job.status,
        "attempts": job.attempts,
        "progress": list(job.result.get("progress", [])),
        "version": job.result.get("version"),
        "error": job.last_error,
        "created_at": job.created_at.isoformat(),
        "finished_at": job.finished_at.isoformat() if job.finished_at else None,
    }


@router.get("/dashboard")
def get_dashboard(
    _user: Lead, session: Db, settings: Config, days: Annotated[int, Query(ge=1, le=90)] = 14
) -> dict[str, Any]:
    """Tickets, auto-routing, backlog, corrections, LLM spend and job health per day."""
    return dashboard.build(session, settings, days)


@router.get("/drift")
def get_drift(
    _user: Lead, session: Db, weeks: Annotated[int, Query(ge=1, le=52)] = drift.WEEKS
) -> dict[str, Any]:
    """Weekly low-confidence share and category mix against the active model's training data."""
    return drift.build(session, weeks)


@router.get("/models")
def get_models(_user: Lead, session: Db) -> dict[str, Any]:
    """Every version with its metrics, thresholds and status; the shadow; the latest training."""
    return {
        "active": service.active_id(session),
        "versions": service.versions(session),
        "shadow": service.shadow_summary(session),
        "training": job_view(training.latest_job(session)),
    }


@router.get("/models/{version_id}/compare")
def get_compare(
    version_id: VersionId, _user: Lead, session: Db, against: str | None = None
) -> dict[str, Any]:
    """The version against the active one (or `against`) on the golden set and the holdout."""
    result = compare.compare(session, version_id, against)
    session.commit()
    return result


@router.post("/models/{version_id}/promote")
def promote(
    version_id: VersionId, body: PromoteIn, user: LeadWriter, session: Db
) -> dict[str, Any]:
    """Activate a version that passes the gates; a failing one only with force and a reason."""
    outcome = service.promote(session, version_id, user.email, force=body.force, reason=body.reason)
    session.commit()
    if not outcome.activated:
        raise TriageError("; ".join(outcome.messages), 409, "gates_failed")
    return {"activated": True, "failures": outcome.failures, "messages": outcome.messages}


@router.post("/rollback")
def rollback(user: LeadWriter, session: Db) -> dict[str, Any]:
    """Re-activate the version that was active before the current one."""
    row = service.rollback(session, user.email)
    session.commit()
    return {"active": row.id}


@router.post("/shadow")
def set_shadow(body: ShadowIn, user: LeadWriter, session: Db) -> dict[str, Any]:
    """Run a candidate in shadow beside the active model (version null: stop)."""
    row = shadow.set_shadow(session, body.version, user.email)
    session.commit()
    return {"shadow": row.id if row is not None else None}


@router.get("/shadow")
def get_shadow(_user: Lead, session: Db) -> dict[str, Any] | None:
    """Agreement with the active model and accuracy on tickets analysts resolved since."""
    return service.shadow_summary(session)


@router.post("/models/train", status_code=202)
def train(user: LeadWriter, session: Db) -> dict[str, Any]:
    """Queue a training run (labels/data plus corrections); it registers a candidate."""
    job, queued = training.enqueue(session, user.email)
    session.commit()
    return {"queued": queued, "job": job_view(job)}
