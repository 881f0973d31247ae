"""The leads' audit log page (read-only, like the API)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response

from triage.audit import service
from triage.web import deps
from triage.web.pages import PageRequest

router = APIRouter(include_in_schema=False)

AuditLead = Annotated[PageRequest, Depends(deps.lead_page("The audit log is for leads."))]


@router.get("/audit")
def audit_page(
    view: AuditLead,
    actor: str = "",
    action: str = "",
    ticket_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
) -> Response:
    events = service.query_events(view.session, ticket_id, actor or None, action or None, limit=200)
    filters = {"actor": actor, "action": action, "ticket_id": ticket_id or ""}
    return view.render("audit.html", events=events, filters=filters)
