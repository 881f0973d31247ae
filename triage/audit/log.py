"""Append to the audit log. There is deliberately no update or delete function."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from triage.audit.models import AuditEvent


def record(
    session: Session,
    actor: str,
    action: str,
    ticket_id: int | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    detail: str | None = None,
) -> AuditEvent:
    event = AuditEvent(
        actor=actor,
        action=action,
        ticket_id=ticket_id,
        before=before or {},
        after=after or {},
        detail=detail,
    )
    session.add(event)
    session.flush()
    return event
