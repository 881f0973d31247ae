"""What the Incidents pages, the queue banner and the dashboard read."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, col, select

from triage.auth.dependencies import can_see_team, has_role
from triage.auth.models import User
from triage.incidents.models import ACTIVE, DuplicateBurst, Incident, IncidentTicket
from triage.tickets.models import Ticket

MAX_LISTED = 200


@dataclass(frozen=True)
class Summary:
    incident: Incident
    tickets: int
    merchants: int
    last_seen: datetime | None

    @property
    def active(self) -> bool:
        return self.incident.status in ACTIVE


def visible_to(user: User, incident: Incident) -> bool:
    return has_role(user, "lead") or can_see_team(user, incident.team)


def _counts(session: Session, ids: list[int]) -> dict[int, tuple[int, int, datetime | None]]:
    if not ids:
        return {}
    query = (
        select(
            IncidentTicket.incident_id,
            func.count(),
            func.count(func.distinct(IncidentTicket.merchant)),
            func.max(IncidentTicket.seen_at),
        )
        .where(col(IncidentTicket.incident_id).in_(ids))
        .group_by(col(IncidentTicket.incident_id))
    )
    return {row[0]: (int(row[1]), int(row[2]), row[3]) for row in session.exec(query).all()}


def summaries(session: Session, user: User, active_only: bool = False) -> list[Summary]:
    """The incidents this user may see, active ones first, newest first."""
    query = select(Incident).order_by(col(Incident.opened_at).desc()).limit(MAX_LISTED)
    if active_only:
        query = query.where(col(Incident.status).in_(ACTIVE))
    incidents = [i for i in session.exec(query).all() if visible_to(user, i)]
    counts = _counts(session, [i.id for i in incidents if i.id is not None])
    rows = [Summary(i, *counts.get(i.id or 0, (0, 0, None))) for i in incidents]
    return sorted(rows, key=lambda s: not s.active)


def summary(session: Session, incident: Incident) -> Summary:
    assert incident.id is not None
    return Summary(incident, *_counts(session, [incident.id]).get(incident.id, (0, 0, None)))


def linked_tickets(session: Session, incident_id: int) -> list[tuple[Ticket, str]]:
    query = (
        select(Ticket, IncidentTicket.merchant)
        .join(IncidentTicket, col(IncidentTicket.ticket_id) == col(Ticket.id))
        .where(IncidentTicket.incident_id == incident_id)
        .order_by(col(IncidentTicket.seen_at))
        .limit(MAX_LISTED)
    )
    return [(ticket, merchant) for ticket, merchant in session.exec(query).all()]


def duplicate_bursts(
    session: Session, since: datetime, category: str | None = None
) -> list[DuplicateBurst]:
    """One merchant's floods since `since`, newest first (of one category, or all)."""
    query = select(DuplicateBurst).where(col(DuplicateBurst.window_start) >= since)
    if category is not None:
        query = query.where(DuplicateBurst.category == category)
    return list(session.exec(query.order_by(col(DuplicateBurst.window_start).desc()).limit(50)))


def opened_per_day(session: Session, since: datetime, days: list[str]) -> dict[str, list[int]]:
    """Incidents opened per category per UTC day (YYYY-MM-DD labels), for the dashboard."""
    rows = session.exec(
        select(Incident.category, Incident.opened_at).where(col(Incident.opened_at) >= since)
    ).all()
    counts: dict[str, list[int]] = {}
    for category, opened in rows:
        day = opened.strftime("%Y-%m-%d")
        if day in days:
            counts.setdefault(category, [0] * len(days))[days.index(day)] += 1
    return dict(sorted(counts.items()))
