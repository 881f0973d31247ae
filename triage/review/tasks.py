"""The "review.send_reply" task: an analyst-approved reply, posted publicly on the ticket once.

The reply's marker in the ticketing system makes a retried or raced send a no-op (promise 3).
"""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from triage.audit import log as audit
from triage.config import get_settings
from triage.db.engine import utcnow
from triage.jobs.handlers import PermanentError, handler, on_dead
from triage.jobs.models import Job, TaskKind
from triage.review import approval
from triage.tickets.models import Reply, ReplyStatus, Ticket
from triage.writeback import notes, servicenow, zendesk
from triage.writeback import tasks as writeback


def _send_public(ticket: Ticket, reply: Reply) -> dict[str, Any]:
    assert reply.id is not None
    update = zendesk.TicketUpdate(
        marker_tag=notes.reply_tag(reply.id), comment=reply.body, public=True
    )
    record = servicenow.RecordUpdate(
        notes.reply_marker(reply.id), "comments", notes.public_reply(reply), {}
    )
    return writeback.write_to(get_settings(), ticket, update, record)


@handler(TaskKind.REVIEW_SEND_REPLY)
def send_reply(session: Session, job: Job) -> dict[str, Any]:
    reply = session.get(Reply, job.payload.get("reply_id"))
    if reply is None:
        raise PermanentError(f"reply {job.payload.get('reply_id')} no longer exists")
    if reply.status == ReplyStatus.SENT:
        return {"skipped": "already_sent", "reply_id": reply.id}
    if reply.status not in (ReplyStatus.APPROVED, ReplyStatus.SEND_FAILED):
        # Promise 5: only an analyst-approved reply ever reaches the merchant (one whose
        # earlier send failed was approved too: a lead may retry its job from the jobs page).
        raise PermanentError(f"reply {reply.id} is {reply.status}, not approved")
    ticket = writeback.ticket_of(session, reply.ticket_id)
    result = writeback.counted(_send_public(ticket, reply))
    if not result.get("dry_run"):
        _mark_sent(session, reply, result)
    return result | {"reply_id": reply.id}


@on_dead(TaskKind.REVIEW_SEND_REPLY)
def send_failed(session: Session, job: Job) -> None:
    approval.mark_send_failed(session, job)


def _mark_sent(session: Session, reply: Reply, result: dict[str, Any]) -> None:
    reply.status, reply.sent_at, reply.send_error = ReplyStatus.SENT, utcnow(), None
    reply.external_comment_id = result.get("comment_id")
    session.add(reply)
    audit.record(
        session,
        "system",
        "reply.sent",
        ticket_id=reply.ticket_id,
        after={"reply_id": reply.id, "target": result.get("target")},
    )
