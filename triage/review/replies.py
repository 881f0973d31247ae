"""The suggested public reply: drafted in the ticket's language with its slots filled, switched
to another template, edited. The one writer of draft replies; approval and sending are in
review.approval.

A required slot nobody could fill stays in the text as a visible `[[slot]]` marker: approval is
refused until the analyst fills it in or removes it (review.approval).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import update
from sqlmodel import Session, select

from triage.audit import log as audit
from triage.auth.models import User
from triage.db.engine import utcnow
from triage.db.statements import insert_ignore_id, insert_ignore_many
from triage.errors import TriageError
from triage.redaction import engine as redaction
from triage.review import language
from triage.review import slots as slot_values
from triage.routing import template_fit, templates
from triage.tickets.models import Reply, ReplyStatus, Ticket

MAX_BODY = 10_000
AUDIT_BODY_CHARS = 2_000
MARKER = re.compile(r"\[\[([a-z][a-z0-9_]{0,39})\]\]")


@dataclass(frozen=True)
class Composed:
    template_id: str
    body: str
    language: str
    detected_language: str | None


def unfilled(body: str) -> list[str]:
    """The slot markers still in a reply, in order, each once."""
    return list(dict.fromkeys(MARKER.findall(body)))


def ticket_text(ticket: Ticket) -> str:
    return f"{ticket.subject}\n{ticket.body}"


def compose(
    ticket: Ticket,
    template_id: str,
    llm_slots: dict[str, str] | None = None,
    wanted_language: str | None = None,
) -> Composed:
    """The template rendered for this ticket: in its language when translated, with the slots
    the ticket's (redacted) text states and the LLM's values, which win when both exist."""
    text = ticket_text(ticket)
    detected = language.detect(text)
    tset = templates.default_set()
    chosen = templates.language_of(tset.get(template_id), wanted_language or detected)
    values = slot_values.extract(text) | (llm_slots or {})
    number = ticket.external_number or ticket.external_id
    body = tset.render(template_id, values, ticket_number=number, language=chosen)
    return Composed(template_id, body, chosen, detected)


def ranked_templates(ticket: Ticket) -> list[tuple[templates.Template, float]]:
    return template_fit.rank(templates.default_set(), ticket.category, ticket_text(ticket))


def find(session: Session, ticket_id: int, lock: bool = False) -> Reply | None:
    query = select(Reply).where(Reply.ticket_id == ticket_id)
    return session.exec(query.with_for_update() if lock else query).first()


def _editable(table: Any) -> Any:
    """A draft nobody edited: the only kind an automatic decision may rewrite."""
    return (table.c.status == ReplyStatus.DRAFT) & table.c.edited_by.is_(None)


def _composed_values(composed: Composed) -> dict[str, Any]:
    return {
        "template_id": composed.template_id,
        "body": composed.body,
        "language": composed.language,
        "detected_language": composed.detected_language,
    }


def draft(session: Session, ticket: Ticket, template_id: str, slots: dict[str, str]) -> None:
    """Insert the suggested reply for a decision, or refresh it while it is an unedited draft:
    an analyst's edit, approval or sent reply is never overwritten by a later decision.

    Core statements, because this runs in every webhook request.
    """
    assert ticket.id is not None
    now = utcnow()
    values = _composed_values(compose(ticket, template_id, slots))
    row = values | {"ticket_id": ticket.id, "status": ReplyStatus.DRAFT}
    row |= {"created_at": now, "updated_at": now}
    if insert_ignore_id(session, Reply, row, ["ticket_id"]) is not None:
        return
    table = Reply.__table__  # type: ignore[attr-defined]
    refresh = (
        update(table)
        .where(table.c.ticket_id == ticket.id, _editable(table))
        .values(**values, updated_at=now)
    )
    session.connection().execute(refresh)


def draft_many(session: Session, drafts: list[tuple[Ticket, str, dict[str, str]]]) -> None:
    """`draft` for tickets created in this transaction (none has a reply yet): one statement."""
    insert_ignore_many(session, Reply, draft_rows(drafts), ["ticket_id"], ("id",))


def draft_rows(drafts: list[tuple[Ticket, str, dict[str, str]]]) -> list[dict[str, Any]]:
    """The rows `draft_many` inserts (a ticket that has a reply already keeps it)."""
    now = utcnow()
    return [
        _composed_values(compose(ticket, template_id, slots))
        | {
            "ticket_id": ticket.id,
            "status": ReplyStatus.DRAFT,
            "created_at": now,
            "updated_at": now,
        }
        for ticket, template_id, slots in drafts
    ]


def _apply(reply: Reply, composed: Composed | None) -> None:
    reply.template_id = composed.template_id if composed else None
    reply.body = composed.body if composed else ""
    reply.language = composed.language if composed else None
    reply.detected_language = composed.detected_language if composed else None
    reply.updated_at = utcnow()


def rerender_for_category(session: Session, ticket: Ticket) -> None:
    """A draft nobody edited follows the new category's best-fitting template (or empties)."""
    assert ticket.id is not None
    reply = find(session, ticket.id, lock=True)
    if reply is not None and (reply.status != ReplyStatus.DRAFT or reply.edited_by is not None):
        return
    ranked = ranked_templates(ticket)
    composed = compose(ticket, ranked[0][0].id) if ranked else None
    if reply is None:
        if composed is None:
            return
        reply = Reply(ticket_id=ticket.id)
    _apply(reply, composed)
    session.add(reply)
    session.flush()


def _draft_or_409(session: Session, ticket_id: int) -> Reply:
    reply = find(session, ticket_id, lock=True) or Reply(ticket_id=ticket_id)
    if reply.status != ReplyStatus.DRAFT:
        raise TriageError(f"the reply is already {reply.status} and can no longer change", 409)
    return reply


def switch(
    session: Session, user: User, ticket: Ticket, template_id: str, wanted_language: str
) -> Reply:
    """The analyst picks another of the category's templates or languages; their text so far
    is replaced (the audit row keeps it)."""
    assert ticket.id is not None
    options = {t.id: t for t, _ in ranked_templates(ticket)}
    template = options.get(template_id)
    if template is None:
        raise TriageError("that template is not one of this category's templates", 422)
    if wanted_language not in template.languages:
        raise TriageError(f"template {template_id} has no {language.name(wanted_language)}", 422)
    reply = _draft_or_409(session, ticket.id)
    before = {"template_id": reply.template_id, "language": reply.language}
    before["body"] = reply.body[:AUDIT_BODY_CHARS]
    _apply(reply, compose(ticket, template_id, wanted_language=wanted_language))
    reply.edited_by = user.email  # the analyst's choice: later decisions leave it alone
    session.add(reply)
    session.flush()
    after = {"template_id": template_id, "language": reply.language, "reply_id": reply.id}
    audit.record(session, user.email, "reply.template", ticket.id, before, after)
    return reply


def clean_body(body: str) -> str:
    """Redacted like any stored text; browsers submit a textarea's lines ending in CRLF."""
    clean = redaction.redact(body[:MAX_BODY].replace("\r\n", "\n")).text.strip()
    if not clean:
        raise TriageError("the reply is empty", 422)
    return clean


def while_draft(session: Session, reply: Reply, **values: Any) -> bool:
    """Change a reply only if it is still a draft when the row is written: on SQLite the row
    lock above is a no-op, and a concurrent approval must never have its text changed."""
    table = Reply.__table__  # type: ignore[attr-defined]
    stmt = (
        update(table)
        .where(table.c.id == reply.id, table.c.status == ReplyStatus.DRAFT)
        .values(**values)
    )
    changed = session.connection().execute(stmt).rowcount == 1
    session.refresh(reply)
    return changed


def edit(session: Session, user: User, ticket: Ticket, body: str) -> Reply:
    assert ticket.id is not None
    clean = clean_body(body)
    reply = _draft_or_409(session, ticket.id)
    before = {"body": reply.body[:AUDIT_BODY_CHARS], "template_id": reply.template_id}
    if reply.id is None:
        reply.body, reply.edited_by = clean, user.email
        session.add(reply)
        session.flush()
    elif not while_draft(session, reply, body=clean, edited_by=user.email, updated_at=utcnow()):
        raise TriageError(f"the reply is already {reply.status} and can no longer change", 409)
    audit.record(
        session,
        user.email,
        "reply.edit",
        ticket_id=ticket.id,
        before=before,
        after={"body": clean[:AUDIT_BODY_CHARS], "reply_id": reply.id},
    )
    return reply
