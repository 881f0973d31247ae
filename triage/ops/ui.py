"""The lead pages: dashboard, model versions, comparison; their forms post, act and redirect."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from fastapi.responses import FileResponse, RedirectResponse, Response
from sqlmodel import Session

from triage.auth import dependencies as auth
from triage.classify import compare, evaluate, shadow
from triage.classify import tasks as training
from triage.config import Settings
from triage.errors import TriageError
from triage.jobs import queue
from triage.jobs.models import JobStatus
from triage.ops import dashboard, drift, service, views
from triage.ops.router import job_view
from triage.review import pages
from triage.review.pages import CSRF_FAILED, Config, Csrf, Db, MaybeCaller

router = APIRouter(include_in_schema=False)


def _lead(
    request: Request, caller: auth.Caller | None, settings: Settings
) -> pages.Page | Response:
    return pages.lead_page(request, caller, settings, "These pages are for leads.")


@router.get("/ops/static/ops.css")
def stylesheet() -> FileResponse:
    return FileResponse(views.CSS, media_type="text/css")


@router.get("/ops")
def dashboard_page(
    request: Request,
    caller: MaybeCaller,
    session: Db,
    settings: Config,
    days: int = 14,
    notice: str = "",
    error: str = "",
) -> Response:
    page = _lead(request, caller, settings)
    if not isinstance(page, pages.Page):
        return page
    data = dashboard.build(session, settings, max(1, min(days, 90)))
    drift_data = drift.build(session)
    return views.render(
        request,
        "dashboard.html",
        page,
        settings,
        d=data,
        drift=drift_data,
        mix=views.mix_rows(drift_data),
        charts=views.dashboard_charts(data, drift_data),
        active=service.active_id(session),
        notice=notice[:300] or None,
        error=error[:500] or None,
    )


@router.get("/ops/models")
def models_page(
    request: Request,
    caller: MaybeCaller,
    session: Db,
    settings: Config,
    notice: str = "",
    error: str = "",
) -> Response:
    page = _lead(request, caller, settings)
    if not isinstance(page, pages.Page):
        return page
    job = job_view(training.latest_job(session))
    return views.render(
        request,
        "models.html",
        page,
        settings,
        versions=service.versions(session),
        active=service.active_id(session),
        shadow=service.shadow_summary(session),
        training=job,
        training_running=bool(job and job["status"] in (JobStatus.QUEUED, JobStatus.RUNNING)),
        notice=notice[:300] or None,
        error=error[:500] or None,
    )


@router.get("/ops/models/{version_id}/compare")
def compare_page(
    request: Request, version_id: str, caller: MaybeCaller, session: Db, settings: Config
) -> Response:
    page = _lead(request, caller, settings)
    if not isinstance(page, pages.Page):
        return page
    try:
        result = compare.compare(session, version_id)
        session.commit()
    except TriageError as exc:
        return pages.render(
            request, "error.html", page, settings, exc.status_code, error=exc.message
        )
    return views.render(
        request, "compare.html", page, settings, c=result, keys=evaluate.SUMMARY_KEYS
    )


def _act(
    request: Request,
    caller: auth.Caller | None,
    session: Session,
    settings: Settings,
    csrf_token: str,
    action: Callable[[str], str],
    back: str = "/ops/models",
) -> Response:
    """Run one lead action in its own transaction and go `back` to a lead page with the result."""
    page = _lead(request, caller, settings)
    if not isinstance(page, pages.Page):
        return page
    if not pages.csrf_ok(caller, csrf_token):
        return pages.render(request, "error.html", page, settings, 403, error=CSRF_FAILED)
    try:
        notice = action(page.user.email)
        session.commit()
    except TriageError as exc:
        session.rollback()
        return RedirectResponse(f"{back}?error={quote(exc.message)}", status_code=303)
    return RedirectResponse(f"{back}?notice={quote(notice)}", status_code=303)


@router.post("/ops/models/train")
def train_action(
    request: Request, caller: MaybeCaller, session: Db, settings: Config, csrf_token: Csrf
) -> Response:
    def act(actor: str) -> str:
        job, queued = training.enqueue(session, actor)
        return f"Training job {job.id} " + ("queued." if queued else "is already under way.")

    return _act(request, caller, session, settings, csrf_token, act)


@router.post("/ops/models/{version_id}/promote")
def promote_action(
    request: Request,
    version_id: str,
    caller: MaybeCaller,
    session: Db,
    settings: Config,
    csrf_token: Csrf,
    force: Annotated[bool, Form()] = False,
    reason: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    def act(actor: str) -> str:
        outcome = service.promote(session, version_id, actor, force=force, reason=reason)
        if not outcome.activated:
            session.commit()  # keep the golden figures measured for the refusal
            raise TriageError(" · ".join(outcome.messages), 409)
        return f"{version_id} is now the active model."

    return _act(request, caller, session, settings, csrf_token, act)


@router.post("/ops/rollback")
def rollback_action(
    request: Request, caller: MaybeCaller, session: Db, settings: Config, csrf_token: Csrf
) -> Response:
    def act(actor: str) -> str:
        return f"Rolled back: {service.rollback(session, actor).id} is active again."

    return _act(request, caller, session, settings, csrf_token, act)


@router.post("/ops/shadow")
def shadow_action(
    request: Request,
    caller: MaybeCaller,
    session: Db,
    settings: Config,
    csrf_token: Csrf,
    version: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    def act(actor: str) -> str:
        row = shadow.set_shadow(session, version or None, actor)
        return f"{row.id} now runs in shadow." if row else "Shadow mode is off."

    return _act(request, caller, session, settings, csrf_token, act)


@router.post("/ops/jobs/{job_id}/retry")
def retry_action(
    request: Request,
    job_id: int,
    caller: MaybeCaller,
    session: Db,
    settings: Config,
    csrf_token: Csrf,
) -> Response:
    def act(actor: str) -> str:
        job = queue.retry(session, job_id, actor=actor)
        return f"Job {job.id} ({job.kind}) queued again."

    return _act(request, caller, session, settings, csrf_token, act, back="/ops")
