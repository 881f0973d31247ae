"""The suggested public reply: re-rendered when the category changes, edited, approved, sent.

Only an analyst's approval queues a reply for sending (promise 5), and the send job's dedupe key
is the reply id, so a double click or a retried request never sends twice (promise 3).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import update
from sqlmodel import Session, select

from triage.audit import log as audit
from triage.auth.models import User
from triage.db.engine import utcnow
from triage.db.statements import insert_ignore_id, insert_ignore_many
from triage.errors import TriageError
from triage.jobs import queue
from triage.jobs.models import Job, TaskKind
from triage.redaction import engine as redaction
from triage.routing import templates
from triage.tickets.models import Reply, ReplyStatus, Ticket, TicketStatus

MAX_BODY = 10_000
AUDIT_BODY_CHARS = 2_000


def _reply(session: Session, ticket_id: int, lock: bool = False) -> Reply | None:
    query = select(Reply).where(Reply.ticket_id == ticket_id)
    return session.exec(query.with_for_update() if lock else query).first()


def _editable(table: Any) -> Any:
    """A draft nobody edited: the only kind an automatic decision may rewrite."""
    return (table.c.status == ReplyStatus.DRAFT) & table.c.edited_by.is_(None)


def draft(session: Session, ticket: Ticket, template_id: str, slots: dict[str, str]) -> None:
    """Insert the suggested reply for a decision, or refresh it while it is an unedited draft:
    an analyst's edit, approval or sent reply is never overwritten by a later decision.

    Core statements, because this runs in every webhook request.
    """
    assert ticket.id is not None
    now = utcnow()
    body = _render(ticket, template_id, slots)
    values = {
        "ticket_id": ticket.id,
        "template_id": template_id,
        "body": body,
        "status": ReplyStatus.DRAFT,
        "created_at": now,
        "updated_at": now,
    }
    if insert_ignore_id(session, Reply, values, ["ticket_id"]) is not None:
        return
    table = Reply.__table__  # type: ignore[attr-defined]
    refresh = (
        update(table)
        .where(table.c.ticket_id == ticket.id, _editable(table))
        .values(template_id=template_id, body=body, updated_at=now)
    )
    session.connection().execute(refresh)


def draft_many(session: Session, drafts: list[tuple[Ticket, str, dict[str, str]]]) -> None:
    """`draft` for tickets created in this transaction (none has a reply yet): one statement."""
    now = utcnow()
    rows = [
        {
            "ticket_id": ticket.id,
            "template_id": template_id,
            "body": _render(ticket, template_id, slots),
            "status": ReplyStatus.DRAFT,
            "created_at": now,
            "updated_at": now,
        }
        for ticket, template_id, slots in drafts
    ]
    insert_ignore_many(session, Reply, rows, ["ticket_id"], ("id",))


def _render(ticket: Ticket, template_id: str, slots: dict[str, str]) -> str:
    return templates.render(
        template_id, slots, ticket_number=ticket.external_number or ticket.external_id
    )


def rerender_for_category(session: Session, ticket: Ticket) -> None:
    """A draft nobody edited follows the new category's first template (or empties out)."""
    assert ticket.id is not None
    reply = _reply(session, ticket.id, lock=True)
    if reply is not None and (reply.status != ReplyStatus.DRAFT or reply.edited_by is not None):
        return
    options = templates.for_category(ticket.category)
    number = ticket.external_number or ticket.external_id
    body = templates.render(options[0].id, {}, ticket_number=number) if options else ""
    template_id = options[0].id if options else None
    if reply is None:
        if not body:
            return
        reply = Reply(ticket_id=ticket.id)
    reply.template_id, reply.body, reply.updated_at = template_id, body, utcnow()
    session.add(reply)
    session.flush()


def edit(session: Session, user: User, ticket: Ticket, body: str) -> Reply:
    assert ticket.id is not None
    clean = redaction.redact(body[:MAX_BODY]).text.strip()
    if not clean:
        raise TriageError("the reply is empty", 422)
    reply = _reply(session, ticket.id, lock=True) or Reply(ticket_id=ticket.id)
    if reply.status != ReplyStatus.DRAFT:
        raise TriageError(f"the reply is already {reply.status} and can no longer change", 409)
    before = {"body": reply.body[:AUDIT_BODY_CHARS], "template_id": reply.template_id}
    reply.body, reply.edited_by, reply.updated_at = clean, user.email, utcnow()
    session.add(reply)
    session.flush()
    audit.record(
        session,
        user.email,
        "reply.edit",
        ticket_id=ticket.id,
        before=before,
        after={"body": clean[:AUDIT_BODY_CHARS], "reply_id": reply.id},
    )
    return reply


def _send_job(session: Session, ticket: Ticket, reply: Reply) -> Job:
    return queue.enqueue(
        session,
        TaskKind.REVIEW_SEND_REPLY,
        ticket_id=ticket.id,
        payload={"ticket_id": ticket.id, "reply_id": reply.id},
        dedupe_key=f"{TaskKind.REVIEW_SEND_REPLY}:{reply.id}",
    )


def approve(session: Session, user: User, ticket: Ticket) -> tuple[Reply, Job, bool]:
    """Approve and queue sending; (reply, job, already_approved)."""
    assert ticket.id is not None
    if ticket.status == TicketStatus.IN_REVIEW:
        raise TriageError("confirm or correct the category before approving the reply", 409)
    reply = _reply(session, ticket.id, lock=True)
    if reply is None or not reply.body.strip():
        raise TriageError("there is no reply to approve; write one first", 409)
    if reply.status != ReplyStatus.DRAFT:
        return reply, _send_job(session, ticket, reply), True
    reply.status, reply.approved_by, reply.approved_at = ReplyStatus.APPROVED, user.email, utcnow()
    reply.updated_at = reply.approved_at
    session.add(reply)
    session.flush()
    job = _send_job(session, ticket, reply)
    audit.record(
        session,
        user.email,
        "reply.approve",
        ticket_id=ticket.id,
        before={"status": "draft"},
        after={"status": "approved", "reply_id": reply.id, "job_id": job.id},
    )
    return reply, job, False
