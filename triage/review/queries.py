"""Read side of the review queue: what an analyst may see, listed and explained."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import case, func, or_
from sqlmodel import Session, col, select

from triage.auth import dependencies as auth
from triage.auth.models import User
from triage.db.engine import utcnow
from triage.errors import TriageError
from triage.review import replies, schemas
from triage.tickets.models import (
    Comment,
    Correction,
    Decision,
    Reply,
    ReplyStatus,
    Ticket,
    TicketStatus,
)

PRIORITY_ORDER = {"urgent": 0, "high": 1, "normal": 2, "low": 3}
REVIEW_STATUS = TicketStatus.IN_REVIEW
SETTLED_STATUSES = (TicketStatus.AUTO_ROUTED, TicketStatus.REVIEWED)
MAX_LIMIT = 200


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


def visible_ticket(session: Session, user: User, ticket_id: int, lock: bool = False) -> Ticket:
    """The ticket if this user may see it; 404 otherwise so other teams' tickets stay unseen."""
    if not 1 <= ticket_id <= schemas.MAX_ID:
        raise TriageError("no such ticket", 404)
    ticket = session.get(Ticket, ticket_id, with_for_update=lock)
    if ticket is None or not auth.can_see_team(user, ticket.team):
        raise TriageError("no such ticket", 404)
    return ticket


def stage_of(ticket: Ticket, reply_status: str | None) -> schemas.Stage:
    if ticket.status == REVIEW_STATUS:
        return "category"
    if ticket.status in SETTLED_STATUSES and reply_status == ReplyStatus.DRAFT:
        return "reply"
    if reply_status == ReplyStatus.SEND_FAILED:
        return "send_failed"
    return "waiting" if ticket.status in (TicketStatus.NEW, TicketStatus.LLM_PENDING) else "done"


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


def _filtered(user: User, flt: QueueFilter) -> Any:
    query = select(Ticket, Reply.status).outerjoin(Reply, col(Reply.ticket_id) == Ticket.id)
    query = query.where(_stage_clause(flt.stage))
    if not auth.has_role(user, "lead"):
        query = query.where(col(Ticket.team).in_(user.teams or ["-"]))
    if flt.team:
        query = query.where(Ticket.team == flt.team)
    if flt.category:
        query = query.where(Ticket.category == flt.category)
    if flt.source:
        query = query.where(Ticket.source == flt.source)
    now = utcnow()
    if flt.min_age_hours is not None:
        query = query.where(col(Ticket.created_at) <= now - timedelta(hours=flt.min_age_hours))
    if flt.max_age_hours is not None:
        query = query.where(col(Ticket.created_at) >= now - timedelta(hours=flt.max_age_hours))
    return query


def list_queue(session: Session, user: User, flt: QueueFilter) -> schemas.QueuePage:
    """Tickets awaiting an analyst: most urgent first, then oldest first."""
    query = _filtered(user, flt)
    total = session.exec(select(func.count()).select_from(query.subquery())).one()
    rank = case(PRIORITY_ORDER, value=col(Ticket.priority), else_=len(PRIORITY_ORDER))
    limit = max(1, min(flt.limit, MAX_LIMIT))
    rows = session.exec(
        query.order_by(rank, col(Ticket.created_at), col(Ticket.id))
        .limit(limit)
        .offset(max(0, flt.offset))
    ).all()
    items = [_queue_item(t, reply_status) for t, reply_status in rows]
    return schemas.QueuePage(items=items, total=int(total), limit=limit, offset=flt.offset)


def _age_seconds(created: datetime) -> int:
    return max(0, int((utcnow() - created).total_seconds()))


def _queue_item(ticket: Ticket, reply_status: str | None) -> schemas.QueueItem:
    assert ticket.id is not None
    return schemas.QueueItem(
        id=ticket.id,
        source=ticket.source,
        external_id=ticket.external_id,
        external_number=ticket.external_number,
        subject=ticket.subject,
        category=ticket.category,
        confidence=ticket.confidence,
        team=ticket.team,
        priority=ticket.priority,
        status=ticket.status,
        stage=stage_of(ticket, reply_status),
        reply_status=reply_status,
        created_at=ticket.created_at,
        age_seconds=_age_seconds(ticket.created_at),
    )


def why_in_review(ticket: Ticket, decisions: list[Decision]) -> list[str]:
    """Plain-language reasons from the routing decisions, newest decision first."""
    if ticket.status != REVIEW_STATUS:
        return []
    reasons = [
        str(d.reasons[key])
        for d in reversed(decisions)
        for key in ("why_review", "why_llm")
        if d.reasons.get(key)
    ]
    if not decisions:
        reasons.append("no classifier decision was made (no active model)")
    return list(dict.fromkeys(reasons))


def _rows(session: Session, model: Any, ticket_id: int, order: Any) -> list[Any]:
    return list(session.exec(select(model).where(model.ticket_id == ticket_id).order_by(order)))


def ticket_detail(session: Session, user: User, ticket_id: int) -> schemas.TicketDetail:
    ticket = visible_ticket(session, user, ticket_id)
    decisions: list[Decision] = _rows(session, Decision, ticket_id, col(Decision.id))
    comments: list[Comment] = _rows(session, Comment, ticket_id, col(Comment.id))
    corrections: list[Correction] = _rows(session, Correction, ticket_id, col(Correction.id))
    reply = session.exec(select(Reply).where(Reply.ticket_id == ticket_id)).first()
    return schemas.TicketDetail(
        **ticket.model_dump(),
        stage=stage_of(ticket, reply.status if reply else None),
        why_in_review=why_in_review(ticket, decisions),
        comments=[schemas.CommentView.model_validate(c, from_attributes=True) for c in comments],
        decisions=[schemas.DecisionView.model_validate(d, from_attributes=True) for d in decisions],
        reply=reply_view(reply),
        corrections=[
            schemas.CorrectionView.model_validate(c, from_attributes=True) for c in corrections
        ],
        templates=template_options(ticket),
    )


def template_options(ticket: Ticket) -> list[schemas.TemplateOption]:
    return [
        schemas.TemplateOption(
            id=t.id, title=t.title, languages=list(t.languages), score=round(score, 3)
        )
        for t, score in replies.ranked_templates(ticket)
    ]


def reply_view(reply: Reply | None) -> schemas.ReplyView | None:
    if reply is None:
        return None
    view = schemas.ReplyView.model_validate(reply, from_attributes=True)
    view.unfilled = replies.unfilled(reply.body) if reply.status == ReplyStatus.DRAFT else []
    return view
