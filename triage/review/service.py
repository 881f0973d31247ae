"""What analysts do to a ticket: confirm, correct, edit and approve the reply, requeue.

Every action is audited with its before and after state. Services flush, never commit: the
request owns the transaction, so an action and its audit row are stored together or not at all.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlmodel import Session, col, select

from triage.audit import log as audit
from triage.auth.models import User
from triage.config import get_settings
from triage.db.engine import utcnow
from triage.errors import TriageError
from triage.jobs.models import Job
from triage.redaction import engine as redaction
from triage.review import approval, queries, replies, schemas
from triage.routing import rules
from triage.routing import service as routing
from triage.tickets.models import Correction, Reply, Ticket, TicketStatus

CONFIRMABLE = (TicketStatus.IN_REVIEW, TicketStatus.AUTO_ROUTED)
UNDO_SECONDS = 600
UNDO_REASON = "undo: corrected by mistake"


@lru_cache(maxsize=4)
def _routes(labels_dir: Path) -> rules.Routes:
    return rules.load_routes(labels_dir)


def routes() -> rules.Routes:
    return _routes(get_settings().labels_dir)


def categories() -> list[str]:
    return sorted(routes().by_category)


def _state(ticket: Ticket) -> dict[str, Any]:
    return {
        "status": ticket.status,
        "category": ticket.category,
        "team": ticket.team,
        "priority": ticket.priority,
    }


def _settle(
    session: Session, user: User, ticket: Ticket, category: str, reason: str | None
) -> Correction:
    """Record the human decision (Correction + Decision rows) and move the ticket to its team."""
    assert ticket.id is not None
    was_in_review = ticket.status == TicketStatus.IN_REVIEW
    old_category = ticket.category
    route = routes().for_category(category)
    correction = Correction(
        ticket_id=ticket.id,
        analyst=user.email,
        old_category=old_category,
        new_category=category,
        confirmed=old_category == category,
        reason=reason,
    )
    ticket.category, ticket.team, ticket.priority = category, route.team, route.priority
    if old_category != category:
        # The model's confidence was for the old category; a human choice has none.
        ticket.confidence = None
    ticket.status, ticket.updated_at = TicketStatus.REVIEWED, utcnow()
    session.add_all([correction, ticket])
    session.flush()
    reasons = {
        "analyst": user.email,
        "correction_id": correction.id,
        "confirmed": correction.confirmed,
    }
    # The ticket's group and tags in the ticketing system must follow the human decision.
    write_back = was_in_review or old_category != category
    routing.record_human(session, ticket, reasons, write_back)
    return correction


def confirm(session: Session, user: User, ticket_id: int, detail: str | None = None) -> Ticket:
    ticket = queries.visible_ticket(session, user, ticket_id, lock=True)
    if ticket.status not in CONFIRMABLE:
        raise TriageError(f"a ticket in status {ticket.status} cannot be confirmed", 409)
    if ticket.category is None:
        raise TriageError("this ticket has no category to confirm; correct it instead", 409)
    before = _state(ticket)
    correction = _settle(session, user, ticket, ticket.category, None)
    after = _state(ticket) | {"correction_id": correction.id}
    audit.record(session, user.email, "review.confirm", ticket.id, before, after, detail)
    return ticket


def correct(session: Session, user: User, ticket_id: int, category: str, reason: str) -> Ticket:
    if not routes().knows(category):
        raise TriageError(f"unknown category {category!r}", 422)
    ticket = queries.visible_ticket(session, user, ticket_id, lock=True)
    if ticket.status not in (*CONFIRMABLE, TicketStatus.REVIEWED):
        raise TriageError(f"a ticket in status {ticket.status} cannot be corrected", 409)
    clean_reason = redaction.redact(reason).text.strip()[:1000]
    if not clean_reason:
        raise TriageError("say why the category is wrong", 422)
    before = _state(ticket)
    correction = _settle(session, user, ticket, category, clean_reason)
    replies.rerender_for_category(session, ticket)
    after = _state(ticket) | {"correction_id": correction.id}
    audit.record(session, user.email, "review.correct", ticket.id, before, after, clean_reason)
    return ticket


def undo_correction(session: Session, user: User, ticket_id: int) -> Ticket:
    """Put back the category this analyst changed a moment ago. The ticket may now belong to
    a team they are not in: what they may undo is their own latest correction, nothing else."""
    ticket = (
        session.get(Ticket, ticket_id, with_for_update=True)
        if 1 <= ticket_id <= schemas.MAX_ID
        else None
    )
    last = _latest_correction(session, ticket_id)
    if ticket is None or last is None or not _undoable(user, ticket, last):
        raise TriageError("there is no recent correction of yours to undo on this ticket", 409)
    assert last.old_category is not None
    before = _state(ticket)
    correction = _settle(session, user, ticket, last.old_category, UNDO_REASON)
    replies.rerender_for_category(session, ticket)
    after = _state(ticket) | {"correction_id": correction.id, "undid": last.id}
    audit.record(session, user.email, "review.undo", ticket.id, before, after, UNDO_REASON)
    return ticket


def _latest_correction(session: Session, ticket_id: int) -> Correction | None:
    query = select(Correction).where(Correction.ticket_id == ticket_id)
    return session.exec(query.order_by(col(Correction.id).desc()).limit(1)).first()


def _undoable(user: User, ticket: Ticket, last: Correction) -> bool:
    recent = (utcnow() - last.created_at).total_seconds() <= UNDO_SECONDS
    return (
        recent
        and last.analyst == user.email
        and not last.confirmed
        and last.reason != UNDO_REASON
        and last.old_category is not None
        and ticket.category == last.new_category
    )


def edit_reply(session: Session, user: User, ticket_id: int, body: str) -> Reply:
    ticket = queries.visible_ticket(session, user, ticket_id, lock=True)
    return replies.edit(session, user, ticket, body)


def approve(
    session: Session, user: User, ticket_id: int, body: str | None = None
) -> tuple[Reply, Job, bool]:
    """Approve the reply (`body`: the text on screen) and queue its sending; approving again
    returns the same job."""
    ticket = queries.visible_ticket(session, user, ticket_id, lock=True)
    return approval.approve(session, user, ticket, body)


def retry_send(session: Session, user: User, ticket_id: int) -> tuple[Reply, Job]:
    ticket = queries.visible_ticket(session, user, ticket_id, lock=True)
    return approval.retry_send(session, user, ticket)


def switch_template(
    session: Session, user: User, ticket_id: int, template_id: str, language: str
) -> Reply:
    ticket = queries.visible_ticket(session, user, ticket_id, lock=True)
    return replies.switch(session, user, ticket, template_id, language)


def requeue(session: Session, user: User, ticket_id: int, reason: str | None) -> Ticket:
    ticket = queries.visible_ticket(session, user, ticket_id, lock=True)
    if ticket.status == TicketStatus.IN_REVIEW:
        return ticket
    if ticket.status not in (TicketStatus.AUTO_ROUTED, TicketStatus.REVIEWED):
        raise TriageError(f"a ticket in status {ticket.status} cannot go back to review", 409)
    before = _state(ticket)
    ticket.status, ticket.updated_at = TicketStatus.IN_REVIEW, utcnow()
    session.add(ticket)
    session.flush()
    detail = redaction.redact(reason).text.strip()[:1000] if reason else None
    audit.record(session, user.email, "review.requeue", ticket.id, before, _state(ticket), detail)
    return ticket


def bulk_confirm(
    session: Session, user: User, ticket_ids: list[int]
) -> tuple[list[int], list[int]]:
    """Confirm each ticket still awaiting a category; the rest are reported as skipped."""
    confirmed: list[int] = []
    skipped: list[int] = []
    for ticket_id in dict.fromkeys(ticket_ids):
        ticket = session.get(Ticket, ticket_id) if 1 <= ticket_id <= schemas.MAX_ID else None
        if ticket is None or ticket.status != TicketStatus.IN_REVIEW or ticket.category is None:
            skipped.append(ticket_id)
            continue
        try:
            confirm(session, user, ticket_id, detail="bulk")
        except TriageError:
            skipped.append(ticket_id)
            continue
        confirmed.append(ticket_id)
    return confirmed, skipped


def reply_of(session: Session, ticket_id: int) -> Reply | None:
    return session.exec(select(Reply).where(Reply.ticket_id == ticket_id)).first()
