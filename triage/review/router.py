"""The review JSON API: the same actions as the analyst pages, for scripts and integrations.

Reads accept a Bearer token or the UI's session cookie; writes also accept both, but browser
credentials (cookie, identity proxy) must carry the session's X-CSRF-Token header.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query
from sqlmodel import Session

from triage.auth import dependencies as auth
from triage.auth.models import User
from triage.review import listing, queries, schemas, service
from triage.web.deps import CurrentUser, Db, Writer

router = APIRouter(prefix="/api", tags=["review"])

TicketId = Annotated[int, Path(ge=1, le=schemas.MAX_ID)]
Hours = Annotated[float | None, Query(ge=0, le=24 * 366 * 10)]


@router.get("/queue", response_model=schemas.QueuePage)
def get_queue(
    user: CurrentUser,
    session: Db,
    category: str | None = None,
    source: str | None = None,
    team: str | None = None,
    stage: Annotated[str | None, Query(pattern="^(category|reply)$")] = None,
    min_age_hours: Hours = None,
    max_age_hours: Hours = None,
    limit: Annotated[int, Query(ge=1, le=listing.MAX_LIMIT)] = 50,
    offset: Annotated[int, Query(ge=0, le=schemas.MAX_ID)] = 0,
    q: Annotated[str | None, Query(max_length=listing.MAX_SEARCH)] = None,
    sort: Annotated[str, Query(pattern=f"^({'|'.join(listing.SORTS)})$")] = "priority",
    desc: bool = False,
) -> schemas.QueuePage:
    """Tickets awaiting an analyst in the caller's teams, most urgent and oldest first by
    default; `q` searches subject, text, ticket number and merchant (organisation or
    requester id)."""
    flt = listing.QueueFilter(
        category, source, team, stage, min_age_hours, max_age_hours, limit, offset, q, sort, desc
    )
    return listing.list_queue(session, user, flt)


@router.get("/tickets/{ticket_id}", response_model=schemas.TicketDetail)
def get_ticket(ticket_id: TicketId, user: CurrentUser, session: Db) -> schemas.TicketDetail:
    """The redacted conversation, every decision with its confidence and threshold, the reply."""
    return queries.ticket_detail(session, user, ticket_id)


def _done(session: Session, user: User, ticket_id: int) -> schemas.TicketDetail:
    session.commit()
    return queries.ticket_detail(session, user, ticket_id)


@router.post("/tickets/{ticket_id}/confirm", response_model=schemas.TicketDetail)
def confirm(ticket_id: TicketId, user: Writer, session: Db) -> schemas.TicketDetail:
    """Confirm the suggested category (recorded as a confirming correction)."""
    service.confirm(session, user, ticket_id)
    return _done(session, user, ticket_id)


@router.post("/tickets/{ticket_id}/correct", response_model=schemas.TicketDetail | None)
def correct(
    ticket_id: TicketId, body: schemas.CorrectIn, user: Writer, session: Db
) -> schemas.TicketDetail | None:
    """Change the category; the ticket moves to that category's team (null if you lose sight)."""
    ticket = service.correct(session, user, ticket_id, body.category, body.reason)
    session.commit()
    if not auth.can_see_team(user, ticket.team):
        return None
    return queries.ticket_detail(session, user, ticket_id)


@router.post("/tickets/{ticket_id}/reply", response_model=schemas.TicketDetail)
def edit_reply(
    ticket_id: TicketId, body: schemas.ReplyIn, user: Writer, session: Db
) -> schemas.TicketDetail:
    """Replace the draft reply's text (redacted before it is stored)."""
    service.edit_reply(session, user, ticket_id, body.body)
    return _done(session, user, ticket_id)


@router.post("/tickets/{ticket_id}/approve", response_model=schemas.ApproveResult)
def approve(
    ticket_id: TicketId, user: Writer, session: Db, body: schemas.ApproveIn | None = None
) -> schemas.ApproveResult:
    """Approve the reply and queue it for sending; approving twice sends once. With `body`,
    that text (redacted) is what is approved and sent. 409 while a [[slot]] marker is left."""
    text = body.body if body else None
    reply, job, already = service.approve(session, user, ticket_id, text)
    session.commit()
    view = queries.reply_view(reply)
    assert view is not None and job.id is not None
    return schemas.ApproveResult(
        ticket_id=ticket_id, reply=view, job_id=job.id, already_approved=already
    )


@router.post("/tickets/{ticket_id}/retry-send", response_model=schemas.ApproveResult)
def retry_send(ticket_id: TicketId, user: Writer, session: Db) -> schemas.ApproveResult:
    """Send again a reply whose send failed (its reason is in the ticket's reply)."""
    reply, job = service.retry_send(session, user, ticket_id)
    session.commit()
    view = queries.reply_view(reply)
    assert view is not None and job.id is not None
    return schemas.ApproveResult(
        ticket_id=ticket_id, reply=view, job_id=job.id, already_approved=True
    )


@router.post("/tickets/{ticket_id}/template", response_model=schemas.TicketDetail)
def switch_template(
    ticket_id: TicketId, body: schemas.TemplateIn, user: Writer, session: Db
) -> schemas.TicketDetail:
    """Redraft the reply from another of the category's templates, in one of its languages."""
    service.switch_template(session, user, ticket_id, body.template_id, body.language)
    return _done(session, user, ticket_id)


@router.post("/tickets/{ticket_id}/requeue", response_model=schemas.TicketDetail)
def requeue(
    ticket_id: TicketId, user: Writer, session: Db, body: schemas.RequeueIn | None = None
) -> schemas.TicketDetail:
    """Send the ticket back to the review queue for a category decision."""
    service.requeue(session, user, ticket_id, body.reason if body else None)
    return _done(session, user, ticket_id)


@router.post("/queue/bulk-confirm", response_model=schemas.BulkConfirmResult)
def bulk_confirm(
    body: schemas.BulkConfirmIn, user: Writer, session: Db
) -> schemas.BulkConfirmResult:
    """Confirm the suggested category of several tickets at once."""
    confirmed, skipped = service.bulk_confirm(session, user, body.ticket_ids)
    session.commit()
    return schemas.BulkConfirmResult(confirmed=confirmed, skipped=skipped)
