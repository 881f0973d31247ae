"""Read side of the review queue: what an analyst may see, listed and explained."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, col, select

from triage.auth import dependencies as auth
from triage.auth.models import User
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

REVIEW_STATUS = TicketStatus.IN_REVIEW
SETTLED_STATUSES = (TicketStatus.AUTO_ROUTED, TicketStatus.REVIEWED)


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
