"""The incidents JSON API: the Incidents page's reads and actions, for scripts and chat-ops.

Reads accept a Bearer token or the UI's session cookie; writes also need the session's
X-CSRF-Token header when the credentials are a browser's (the `Writer` dependency).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path
from pydantic import BaseModel, Field
from sqlmodel import Session

from triage.auth.models import User
from triage.errors import TriageError
from triage.incidents import answers, queries
from triage.incidents.models import Incident
from triage.web.deps import CurrentUser, Db, Writer

router = APIRouter(prefix="/api", tags=["incidents"])
IncidentId = Annotated[int, Path(ge=1, le=2**31 - 1)]


class IncidentOut(BaseModel):
    id: int
    title: str
    category: str
    cluster: str | None
    team: str | None
    status: str
    first_seen: datetime
    last_seen: datetime | None
    tickets: int
    merchants: int
    answered_by: str | None
    ticket_ids: list[int] = []


class AnswerIn(BaseModel):
    template_id: str = Field(max_length=120)
    message: str = Field(max_length=answers.MAX_MESSAGE)


def _out(summary: queries.Summary, ticket_ids: list[int] | None = None) -> IncidentOut:
    i = summary.incident
    assert i.id is not None
    return IncidentOut(
        id=i.id,
        title=i.title,
        category=i.category,
        cluster=i.cluster,
        team=i.team,
        status=i.status,
        first_seen=i.first_seen,
        last_seen=summary.last_seen,
        tickets=summary.tickets,
        merchants=summary.merchants,
        answered_by=i.answer_approved_by,
        ticket_ids=ticket_ids or [],
    )


def _incident(session: Session, user: User, incident_id: int) -> Incident:
    incident = session.get(Incident, incident_id)
    if incident is None or not queries.visible_to(user, incident):
        raise TriageError("no such incident", 404)
    return incident


def _detail(session: Session, incident: Incident) -> IncidentOut:
    assert incident.id is not None
    ids = [t.id for t, _ in queries.linked_tickets(session, incident.id) if t.id is not None]
    return _out(queries.summary(session, incident), ids)


@router.get("/incidents", response_model=list[IncidentOut])
def list_incidents(user: CurrentUser, session: Db) -> list[IncidentOut]:
    """Incidents of the caller's teams (all for a lead), active first, newest first."""
    return [_out(s) for s in queries.summaries(session, user)]


@router.get("/incidents/{incident_id}", response_model=IncidentOut)
def get_incident(incident_id: IncidentId, user: CurrentUser, session: Db) -> IncidentOut:
    return _detail(session, _incident(session, user, incident_id))


@router.post("/incidents/{incident_id}/acknowledge", response_model=IncidentOut)
def acknowledge(incident_id: IncidentId, user: Writer, session: Db) -> IncidentOut:
    incident = answers.acknowledge(session, user, _incident(session, user, incident_id))
    session.commit()
    return _detail(session, incident)


@router.post("/incidents/{incident_id}/resolve", response_model=IncidentOut)
def resolve(incident_id: IncidentId, user: Writer, session: Db) -> IncidentOut:
    incident = answers.resolve(session, user, _incident(session, user, incident_id))
    session.commit()
    return _detail(session, incident)


@router.post("/incidents/{incident_id}/answer", response_model=IncidentOut)
def answer(incident_id: IncidentId, body: AnswerIn, user: Writer, session: Db) -> IncidentOut:
    """Approve one answer for every linked ticket (and every ticket that joins until resolved)."""
    incident = _incident(session, user, incident_id)
    answers.approve_answer(session, user, incident, body.template_id, body.message)
    session.commit()
    return _detail(session, incident)
