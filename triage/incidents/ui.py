"""The Incidents pages for analysts and leads (list, detail with acknowledge, answer, resolve),
and the banner every signed-in page shows while an incident is open for the user's teams."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Form
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session

from triage.auth.models import User
from triage.db.engine import utcnow
from triage.errors import TriageError
from triage.incidents import answers, queries
from triage.incidents.models import Incident
from triage.web import pages
from triage.web.deps import CsrfForm, SignedIn
from triage.web.pages import Banner, PageRequest

router = APIRouter(include_in_schema=False)
NOTICES = {
    "acknowledge": "Incident acknowledged.",
    "resolve": "Incident resolved: new tickets no longer join it.",
}


def incident_banners(session: Session, user: User) -> list[Banner]:
    return [
        Banner(
            f"Incident open for {s.incident.team or 'triage'}: {s.incident.title}"
            f" ({s.tickets} tickets from {s.merchants} merchants).",
            f"/incidents/{s.incident.id}",
            "Open the incident",
        )
        for s in queries.summaries(session, user, active_only=True)
    ]


pages.add_banner_source(incident_banners)


@router.get("/incidents")
def incidents_page(view: SignedIn) -> Response:
    since = utcnow() - timedelta(days=1)
    return view.render(
        "incidents.html",
        rows=queries.summaries(view.session, view.user),
        bursts=queries.duplicate_bursts(view.session, since),
    )


def _incident(view: PageRequest, incident_id: int) -> Incident:
    incident = view.session.get(Incident, incident_id)
    if incident is None or not queries.visible_to(view.user, incident):
        raise TriageError("no such incident", 404)
    return incident


def _detail(view: PageRequest, incident_id: int, **context: Any) -> Response:
    try:
        incident = _incident(view, incident_id)
    except TriageError as exc:
        return view.error(exc.status_code, exc.message)
    since = incident.first_seen - timedelta(hours=1)
    return view.render(
        "incident.html",
        s=queries.summary(view.session, incident),
        tickets=queries.linked_tickets(view.session, incident_id),
        bursts=queries.duplicate_bursts(view.session, since, incident.category),
        templates=sorted(answers.answer_templates(view.settings).items()),
        **context,
    )


@router.get("/incidents/{incident_id}")
def incident_page(view: SignedIn, incident_id: int, done: str = "", sent: int = -1) -> Response:
    notice = NOTICES.get(done)
    if sent >= 0:
        notice = (
            f"Answer approved: {sent} ticket(s) get it as a public reply, and so will new ones."
        )
    return _detail(view, incident_id, notice=notice)


def _act(view: PageRequest, incident_id: int, action: Callable[[Incident], str]) -> Response:
    """One form action in its own transaction; on failure the page says why."""
    try:
        query = action(_incident(view, incident_id))
        view.session.commit()
    except TriageError as exc:
        view.session.rollback()
        if exc.status_code == 404:
            return view.error(404, exc.message)
        return _detail(view, incident_id, error=exc.message)
    return RedirectResponse(f"/incidents/{incident_id}?{query}", status_code=303)


@router.post("/incidents/{incident_id}/acknowledge")
def acknowledge(view: CsrfForm, incident_id: int) -> Response:
    def act(incident: Incident) -> str:
        answers.acknowledge(view.session, view.user, incident)
        return "done=acknowledge"

    return _act(view, incident_id, act)


@router.post("/incidents/{incident_id}/resolve")
def resolve(view: CsrfForm, incident_id: int) -> Response:
    def act(incident: Incident) -> str:
        answers.resolve(view.session, view.user, incident)
        return "done=resolve"

    return _act(view, incident_id, act)


@router.post("/incidents/{incident_id}/answer")
def answer(
    view: CsrfForm,
    incident_id: int,
    template_id: Annotated[str, Form(max_length=120)] = "",
    message: Annotated[str, Form(max_length=answers.MAX_MESSAGE)] = "",
) -> Response:
    def act(incident: Incident) -> str:
        queued = answers.approve_answer(view.session, view.user, incident, template_id, message)
        return f"sent={queued}"

    return _act(view, incident_id, act)
