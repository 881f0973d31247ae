"""Approving a reply, and what happens when its sending fails.

Only an analyst's approval queues a reply for sending (promise 5). What is approved is exactly
the text the analyst submits with the approval, redacted like a save, in the same transaction.
The send job's dedupe key is the reply id, and the draft -> approved transition is one
conditional UPDATE, so a double click or two analysts at once send once and audit once.
"""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, col, select

from triage.audit import log as audit
from triage.auth.models import User
from triage.db.engine import utcnow
from triage.errors import TriageError
from triage.jobs import queue
from triage.jobs.models import Job, JobStatus, TaskKind
from triage.review import replies
from triage.tickets.models import Reply, ReplyStatus, Ticket, TicketStatus

MAX_ERROR_CHARS = 500


def _dedupe_key(reply: Reply) -> str:
    return f"{TaskKind.REVIEW_SEND_REPLY}:{reply.id}"


def _send_job(session: Session, ticket: Ticket, reply: Reply) -> Job:
    return queue.enqueue(
        session,
        TaskKind.REVIEW_SEND_REPLY,
        ticket_id=ticket.id,
        payload={"ticket_id": ticket.id, "reply_id": reply.id},
        dedupe_key=_dedupe_key(reply),
    )


def _refuse_unfilled(body: str) -> None:
    missing = replies.unfilled(body)
    if missing:
        listed = ", ".join(f"[[{name}]]" for name in missing)
        raise TriageError(
            f"fill in or remove {listed} before sending: the merchant would see the marker", 409
        )


def approve(
    session: Session, user: User, ticket: Ticket, body: str | None = None
) -> tuple[Reply, Job, bool]:
    """Approve `body` (the text on the analyst's screen; the stored draft when None) and
    queue its sending; (reply, job, already_approved)."""
    assert ticket.id is not None
    if ticket.status == TicketStatus.IN_REVIEW:
        raise TriageError("confirm or correct the category before approving the reply", 409)
    reply = replies.find(session, ticket.id, lock=True)
    if reply is None or (body is None and not reply.body.strip()):
        raise TriageError("there is no reply to approve; write one first", 409)
    if reply.status != ReplyStatus.DRAFT:
        return reply, _send_job(session, ticket, reply), True
    text = reply.body if body is None else replies.clean_body(body)
    _refuse_unfilled(text)
    before = {"status": ReplyStatus.DRAFT, "body": reply.body[: replies.AUDIT_BODY_CHARS]}
    now = utcnow()
    edited = text != reply.body
    values: dict[str, Any] = {
        "body": text,
        "status": ReplyStatus.APPROVED,
        "approved_by": user.email,
    }
    values |= {"approved_at": now, "updated_at": now}
    if edited:
        values["edited_by"] = user.email
    if not replies.while_draft(session, reply, **values):
        # Another approval committed first: its job is the one that sends.
        return reply, _send_job(session, ticket, reply), True
    job = _send_job(session, ticket, reply)
    after: dict[str, Any] = {"status": ReplyStatus.APPROVED, "reply_id": reply.id}
    after["job_id"] = job.id
    if edited:
        after["body"] = text[: replies.AUDIT_BODY_CHARS]
    audit.record(session, user.email, "reply.approve", ticket.id, before, after)
    return reply, job, False


def retry_send(session: Session, user: User, ticket: Ticket) -> tuple[Reply, Job]:
    """Send a reply whose send failed again, with fresh attempts; audited."""
    assert ticket.id is not None
    reply = replies.find(session, ticket.id, lock=True)
    if reply is None or reply.status != ReplyStatus.SEND_FAILED:
        status = reply.status if reply else "missing"
        raise TriageError(f"only a reply whose send failed can be retried (it is {status})", 409)
    before = {"status": reply.status, "send_error": reply.send_error}
    reply.status, reply.send_error, reply.updated_at = ReplyStatus.APPROVED, None, utcnow()
    session.add(reply)
    session.flush()
    job = session.exec(select(Job).where(col(Job.dedupe_key) == _dedupe_key(reply))).first()
    if job is not None and job.status == JobStatus.DEAD:
        job = queue.retry(session, job.id or 0, user.email)
    elif job is None:
        job = _send_job(session, ticket, reply)
    after = {"status": reply.status, "reply_id": reply.id, "job_id": job.id}
    audit.record(session, user.email, "reply.retry", ticket.id, before, after)
    return reply, job


def mark_send_failed(session: Session, job: Job) -> None:
    """The send job went dead: the ticket goes back to its team's queue with the reason."""
    reply = session.get(Reply, job.payload.get("reply_id"), with_for_update=True)
    if reply is None or reply.status not in (ReplyStatus.APPROVED, ReplyStatus.SEND_FAILED):
        return
    reason = (job.last_error or "the send job failed")[:MAX_ERROR_CHARS]
    reply.status, reply.send_error, reply.updated_at = ReplyStatus.SEND_FAILED, reason, utcnow()
    session.add(reply)
    session.flush()
    audit.record(
        session,
        "system",
        "reply.send_failed",
        ticket_id=reply.ticket_id,
        before={"status": ReplyStatus.APPROVED},
        after={"status": ReplyStatus.SEND_FAILED, "reply_id": reply.id, "job_id": job.id},
        detail=reason,
    )


def approve_text(
    session: Session, actor: str, ticket: Ticket, body: str, template_id: str, reason: str
) -> int | None:
    """An analyst's text approved for a ticket without opening it (one answer to every ticket
    of an incident: the analyst approved it once, for all of them). Replaces a draft; a reply
    already approved or sent stays as it is, so a ticket never gets a second public reply.
    The send job's id, or None when the ticket's reply was already approved."""
    assert ticket.id is not None
    reply = replies.find(session, ticket.id, lock=True) or Reply(ticket_id=ticket.id)
    if reply.status != ReplyStatus.DRAFT:
        return None
    now = utcnow()
    reply.body, reply.template_id, reply.edited_by = body, template_id, actor
    reply.status, reply.approved_by, reply.approved_at, reply.updated_at = (
        ReplyStatus.APPROVED,
        actor,
        now,
        now,
    )
    session.add(reply)
    session.flush()
    job = _send_job(session, ticket, reply)
    audit.record(
        session,
        actor,
        "reply.approve",
        ticket_id=ticket.id,
        before={"status": "draft"},
        after={"status": "approved", "reply_id": reply.id, "job_id": job.id},
        detail=reason,
    )
    return job.id
