"""Leads read and export the audit log. Read-only on purpose: there is no route that changes it."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from fastapi.responses import StreamingResponse
from pydantic import BaseModel
from sqlmodel import Session, col, select

from triage.audit.models import AuditEvent
from triage.auth import dependencies as auth
from triage.auth.models import User
from triage.db.engine import get_session

router = APIRouter(prefix="/api", tags=["audit"])

Lead = Annotated[User, Depends(auth.require_role("lead"))]
Db = Annotated[Session, Depends(get_session)]
OptionalId = Annotated[int | None, Query(ge=1, le=2**31 - 1)]
CSV_COLUMNS = ("id", "at", "actor", "action", "ticket_id", "before", "after", "detail")
# Spreadsheet programs run cells that start with these as formulas (CSV injection).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


class AuditEventView(BaseModel):
    id: int
    at: datetime
    actor: str
    action: str
    ticket_id: int | None
    before: dict[str, Any]
    after: dict[str, Any]
    detail: str | None


class AuditPage(BaseModel):
    items: list[AuditEventView]
    next_before_id: int | None


def query_events(
    session: Session,
    ticket_id: int | None = None,
    actor: str | None = None,
    action: str | None = None,
    before_id: int | None = None,
    limit: int | None = 100,
) -> list[AuditEvent]:
    """Newest first; page backwards with before_id (stable while new rows are appended)."""
    query = select(AuditEvent)
    if ticket_id is not None:
        query = query.where(AuditEvent.ticket_id == ticket_id)
    if actor:
        query = query.where(AuditEvent.actor == actor)
    if action:
        query = query.where(AuditEvent.action == action)
    if before_id is not None:
        query = query.where(col(AuditEvent.id) < before_id)
    query = query.order_by(col(AuditEvent.id).desc())
    return list(session.exec(query.limit(limit) if limit else query))


@router.get("/audit", response_model=AuditPage)
def list_audit(
    _user: Lead,
    session: Db,
    ticket_id: OptionalId = None,
    actor: str | None = None,
    action: str | None = None,
    before_id: OptionalId = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> AuditPage:
    """Every human and automatic action, newest first (leads and admins)."""
    rows = query_events(session, ticket_id, actor, action, before_id, limit)
    items = [AuditEventView.model_validate(r, from_attributes=True) for r in rows]
    next_id = items[-1].id if len(items) == limit else None
    return AuditPage(items=items, next_before_id=next_id)


def csv_cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool | int | float):
        return str(value)
    text = json.dumps(value, sort_keys=True) if isinstance(value, dict | list) else str(value)
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def csv_lines(rows: list[AuditEvent]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    for row in rows:
        values = [getattr(row, name) for name in CSV_COLUMNS]
        writer.writerow([v.isoformat() if isinstance(v, datetime) else csv_cell(v) for v in values])
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    yield buffer.getvalue()


@router.get("/audit.csv", response_class=StreamingResponse)
def export_audit(
    _user: Lead,
    session: Db,
    ticket_id: OptionalId = None,
    actor: str | None = None,
    action: str | None = None,
) -> StreamingResponse:
    """The audit log as CSV, newest first, for the filters given (leads and admins)."""
    rows = query_events(session, ticket_id, actor, action, limit=None)
    headers = {"Content-Disposition": 'attachment; filename="triage-audit.csv"'}
    return StreamingResponse(csv_lines(rows), media_type="text/csv", headers=headers)
