"""Leads read and export the audit log. Read-only on purpose: there is no route that changes it."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from fastapi.responses import StreamingResponse
from pydantic import BaseModel

from triage.audit import service
from triage.web.deps import Db, Lead

router = APIRouter(prefix="/api", tags=["audit"])

OptionalId = Annotated[int | None, Query(ge=1, le=2**31 - 1)]


def audit_filter(
    ticket_id: OptionalId = None, actor: str | None = None, action: str | None = None
) -> service.AuditFilter:
    return service.AuditFilter(ticket_id, actor, action)


Filter = Annotated[service.AuditFilter, Depends(audit_filter)]


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


@router.get("/audit", response_model=AuditPage)
def list_audit(
    _user: Lead,
    session: Db,
    flt: Filter,
    before_id: OptionalId = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> AuditPage:
    """Every human and automatic action, newest first (leads and admins)."""
    rows = service.query_events(session, flt, before_id, limit)
    items = [AuditEventView.model_validate(r, from_attributes=True) for r in rows]
    next_id = items[-1].id if len(items) == limit else None
    return AuditPage(items=items, next_before_id=next_id)


@router.get("/audit.csv", response_class=StreamingResponse)
def export_audit(_user: Lead, session: Db, flt: Filter) -> StreamingResponse:
    """The audit log as CSV, newest first, for the filters given (leads and admins)."""
    rows = service.query_events(session, flt, limit=None)
    headers = {"Content-Disposition": 'attachment; filename="triage-audit.csv"'}
    return StreamingResponse(service.csv_lines(rows), media_type="text/csv", headers=headers)
