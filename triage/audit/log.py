"""Append to the audit log. There is deliberately no update or delete function."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from triage.audit.models import AuditEvent
from triage.db.engine import utcnow
from triage.db.statements import insert_many, insert_row


def record(
    session: Session,
    actor: str,
    action: str,
    ticket_id: int | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    detail: str | None = None,
) -> int:
    """Insert one audit row in the caller's transaction; returns its id.

    Pending ORM changes are flushed first so the event follows what it describes; the row
    itself is a single Core INSERT (no ORM object), as it is written in every webhook request.
    """
    session.flush()
    return insert_row(session, AuditEvent, event(actor, action, ticket_id, before, after, detail))


def event(
    actor: str,
    action: str,
    ticket_id: int | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    detail: str | None = None,
) -> dict[str, Any]:
    """One audit row's values, for `record_many`."""
    return {
        "at": utcnow(),
        "actor": actor,
        "action": action,
        "ticket_id": ticket_id,
        "before": before or {},
        "after": after or {},
        "detail": detail,
    }


def record_many(session: Session, events: list[dict[str, Any]]) -> None:
    """Insert rows made by `event` in one statement, in the caller's transaction."""
    insert_many(session, AuditEvent, events)
