"""The lead pages: dashboard, model versions, comparison; their forms post, act and redirect."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form
from fastapi.responses import FileResponse, RedirectResponse, Response

from triage.classify import compare, evaluate, shadow
from triage.classify import tasks as training
from triage.errors import TriageError
from triage.jobs import queue
from triage.jobs.models import JobStatus
from triage.ops import dashboard, drift, service, views
from triage.ops.router import job_view
from triage.redaction import engine as redaction
from triage.web import deps
from triage.web.pages import PageRequest

router = APIRouter(include_in_schema=False)

CSS = Path(__file__).resolve().parent / "static" / "ops.css"
GATE_SEPARATOR = "\n"
_lead_page = deps.lead_page("These pages are for leads.")
LeadPage = Annotated[PageRequest, Depends(_lead_page)]
LeadForm = Annotated[PageRequest, Depends(deps.csrf_form(_lead_page))]


@router.get("/ops/static/ops.css")
def stylesheet() -> FileResponse:
    return FileResponse(CSS, media_type="text/css")


@router.get("/ops")
def dashboard_page(view: LeadPage, days: int = 14, notice: str = "", error: str = "") -> Response:
    data = dashboard.build(view.session, view.settings, max(1, min(days, 90)))
    drift_data = drift.build(view.session)
    return view.render(
        "dashboard.html",
        d=data,
        drift=drift_data,
        mix=views.mix_rows(drift_data),
        charts=views.dashboard_charts(data, drift_data),
        active=service.active_id(view.session),
        notice=notice[:300] or None,
        error=error[:500] or None,
    )


@router.get("/ops/models")
def models_page(view: LeadPage, notice: str = "", error: str = "") -> Response:
    job = job_view(training.latest_job(view.session))
    return view.render(
        "models.html",
        versions=service.versions(view.session),
        active=service.active_id(view.session),
        shadow=service.shadow_summary(view.session),
        training=job,
        training_running=bool(job and job["status"] in (JobStatus.QUEUED, JobStatus.RUNNING)),
        rollback_target=service.rollback_target(view.session),
        notice=notice[:300] or None,
        # A refused promotion lists each failed gate on its own line.
        errors=[line for line in error[:2000].split(GATE_SEPARATOR) if line.strip()],
    )


@router.get("/ops/models/{version_id}/compare")
def compare_page(view: LeadPage, version_id: str) -> Response:
    try:
        result = compare.compare(view.session, version_id)
        view.session.commit()
    except TriageError as exc:
        return view.error(exc.status_code, exc.message)
    return view.render("compare.html", c=result, keys=evaluate.SUMMARY_KEYS)


def _act(view: PageRequest, action: Callable[[str], str], back: str = "/ops/models") -> Response:
    """Run one lead action in its own transaction and go `back` to a lead page with the result."""
    try:
        notice = action(view.user.email)
        view.session.commit()
    except TriageError as exc:
        view.session.rollback()
        return RedirectResponse(f"{back}?error={quote(exc.message)}", status_code=303)
    return RedirectResponse(f"{back}?notice={quote(notice)}", status_code=303)


@router.post("/ops/models/train")
def train_action(view: LeadForm) -> Response:
    def act(actor: str) -> str:
        job, queued = training.enqueue(view.session, actor)
        return f"Training job {job.id} " + ("queued." if queued else "is already under way.")

    return _act(view, act)


@router.post("/ops/models/{version_id}/promote")
def promote_action(
    view: LeadForm,
    version_id: str,
    force: Annotated[bool, Form()] = False,
    reason: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    def act(actor: str) -> str:
        outcome = service.promote(view.session, version_id, actor, force=force, reason=reason)
        if not outcome.activated:
            view.session.commit()  # keep the golden figures measured for the refusal
            raise TriageError(GATE_SEPARATOR.join(outcome.messages), 409)
        return f"{version_id} is now the active model."

    return _act(view, act)


@router.post("/ops/rollback")
def rollback_action(view: LeadForm, reason: Annotated[str, Form(max_length=1000)] = "") -> Response:
    def act(actor: str) -> str:
        why = redaction.redact(reason).text.strip()
        if not why:
            raise TriageError("say why you roll back (it goes in the audit log)", 422)
        return f"Rolled back: {service.rollback(view.session, actor, why).id} is active again."

    return _act(view, act)


@router.post("/ops/shadow")
def shadow_action(view: LeadForm, version: Annotated[str, Form(max_length=64)] = "") -> Response:
    def act(actor: str) -> str:
        row = shadow.set_shadow(view.session, version or None, actor)
        return f"{row.id} now runs in shadow." if row else "Shadow mode is off."

    return _act(view, act)


@router.post("/ops/jobs/{job_id}/retry")
def retry_action(view: LeadForm, job_id: int) -> Response:
    def act(actor: str) -> str:
        job = queue.retry(view.session, job_id, actor=actor)
        return f"Job {job.id} ({job.kind}) queued again."

    return _act(view, act, back="/ops")
