"""The review queue as analysts work it: filtered, searched, sorted, paged, with each ticket's
age against its priority's SLA, and the ticket that comes after a given one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import case, func, or_
from sqlmodel import Session, col, select

from triage.auth import dependencies as auth
from triage.auth.models import User
from triage.config import get_settings
from triage.db.engine import utcnow
from triage.review import schemas
from triage.review.queries import REVIEW_STATUS, SETTLED_STATUSES, stage_of
from triage.routing import rules
from triage.tickets.models import Reply, ReplyStatus, Ticket

PRIORITY_ORDER = {"urgent": 0, "high": 1, "normal": 2, "low": 3}
MAX_LIMIT = 200
MAX_SEARCH = 100
PREVIEW_CHARS = 160
NEXT_WINDOW = 500
SORTS = ("priority", "age", "subject", "category", "confidence", "team")


@dataclass(frozen=True)
class QueueFilter:
    category: str | None = None
    source: str | None = None
    team: str | None = None
    stage: str | None = None
    min_age_hours: float | None = None
    max_age_hours: float | None = None
    limit: int = 50
    offset: int = 0
    search: str | None = None
    sort: str = "priority"
    descending: bool = False


def _stage_clause(stage: str | None) -> Any:
    needs_category = col(Ticket.status) == REVIEW_STATUS
    needs_reply = (col(Ticket.status).in_(SETTLED_STATUSES)) & (
        col(Reply.status) == ReplyStatus.DRAFT
    )
    send_failed = col(Reply.status) == ReplyStatus.SEND_FAILED
    if stage == "category":
        return needs_category
    if stage == "reply":
        return or_(needs_reply, send_failed)
    return or_(needs_category, needs_reply, send_failed)


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _search_clause(text: str) -> Any:
    """Subject, text, ticket number or merchant (organisation or requester id) contain it."""
    pattern = _like(text.strip()[:MAX_SEARCH])
    fields = (
        Ticket.subject,
        Ticket.body,
        Ticket.external_number,
        Ticket.external_id,
        Ticket.organization_id,
        Ticket.requester_id,
    )
    return or_(*(col(f).ilike(pattern, escape="\\") for f in fields))


def _filtered(user: User, flt: QueueFilter) -> Any:
    query = select(Ticket, Reply.status).outerjoin(Reply, col(Reply.ticket_id) == Ticket.id)
    query = query.where(_stage_clause(flt.stage))
    if not auth.has_role(user, "lead"):
        query = query.where(col(Ticket.team).in_(user.teams or ["-"]))
    for column, value in (
        (Ticket.team, flt.team),
        (Ticket.category, flt.category),
        (Ticket.source, flt.source),
    ):
        if value:
            query = query.where(col(column) == value)
    if flt.search and flt.search.strip():
        query = query.where(_search_clause(flt.search))
    now = utcnow()
    if flt.min_age_hours is not None:
        query = query.where(col(Ticket.created_at) <= now - timedelta(hours=flt.min_age_hours))
    if flt.max_age_hours is not None:
        query = query.where(col(Ticket.created_at) >= now - timedelta(hours=flt.max_age_hours))
    return query


def _order(flt: QueueFilter) -> list[Any]:
    rank = case(PRIORITY_ORDER, value=col(Ticket.priority), else_=len(PRIORITY_ORDER))
    by_key: dict[str, list[Any]] = {
        "priority": [rank, col(Ticket.created_at)],
        # Oldest first reads as "age ascending" to an analyst: the longest wait on top.
        "age": [col(Ticket.created_at)],
        "subject": [func.lower(col(Ticket.subject))],
        "category": [col(Ticket.category)],
        "confidence": [col(Ticket.confidence)],
        "team": [col(Ticket.team)],
    }
    columns = by_key[flt.sort if flt.sort in SORTS else "priority"]
    if flt.descending:
        columns = [c.desc() for c in columns]
    return [*columns, col(Ticket.id)]


def _sla_hours() -> dict[str, float]:
    return rules.load_routes(get_settings().labels_dir).sla_hours


def list_queue(session: Session, user: User, flt: QueueFilter) -> schemas.QueuePage:
    """Tickets awaiting an analyst: by default most urgent first, then oldest first."""
    query = _filtered(user, flt)
    total = session.exec(select(func.count()).select_from(query.subquery())).one()
    limit = max(1, min(flt.limit, MAX_LIMIT))
    offset = max(0, flt.offset)
    rows = session.exec(query.order_by(*_order(flt)).limit(limit).offset(offset)).all()
    sla = _sla_hours()
    items = [_queue_item(t, reply_status, sla) for t, reply_status in rows]
    return schemas.QueuePage(items=items, total=int(total), limit=limit, offset=offset)


def next_ticket_id(session: Session, user: User, after: int, flt: QueueFilter) -> int | None:
    """The ticket after `after` in this queue order; the first one when `after` has left it."""
    query = _filtered(user, flt).with_only_columns(col(Ticket.id))
    ids = [int(i) for i in session.scalars(query.order_by(*_order(flt)).limit(NEXT_WINDOW))]
    if after in ids:
        following = ids[ids.index(after) + 1 :]
        return following[0] if following else None
    return ids[0] if ids else None


def _age_seconds(created: datetime) -> int:
    return max(0, int((utcnow() - created).total_seconds()))


def _preview(body: str) -> str:
    flat = " ".join(body[: PREVIEW_CHARS * 4].split())
    return flat if len(flat) <= PREVIEW_CHARS else flat[: PREVIEW_CHARS - 1].rstrip() + "…"


def _queue_item(
    ticket: Ticket, reply_status: str | None, sla: dict[str, float]
) -> schemas.QueueItem:
    assert ticket.id is not None
    age = _age_seconds(ticket.created_at)
    target = sla.get(ticket.priority or "", sla.get("normal", 24.0))
    return schemas.QueueItem(
        id=ticket.id,
        source=ticket.source,
        external_id=ticket.external_id,
        external_number=ticket.external_number,
        subject=ticket.subject,
        preview=_preview(ticket.body),
        requester_id=ticket.requester_id,
        organization_id=ticket.organization_id,
        category=ticket.category,
        confidence=ticket.confidence,
        team=ticket.team,
        priority=ticket.priority,
        status=ticket.status,
        stage=stage_of(ticket, reply_status),
        reply_status=reply_status,
        created_at=ticket.created_at,
        age_seconds=age,
        sla_seconds_left=int(target * 3600) - age,
    )
