"""The leads' audit log page (read-only, like the API)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import Response

from triage.audit import service
from triage.audit.router import Filter
from triage.web import deps
from triage.web.pages import PageRequest

router = APIRouter(include_in_schema=False)

AuditLead = Annotated[PageRequest, Depends(deps.lead_page("The audit log is for leads."))]


@router.get("/audit")
def audit_page(view: AuditLead, flt: Filter) -> Response:
    events = service.query_events(view.session, flt, limit=200)
    filters = {
        "actor": flt.actor or "",
        "action": flt.action or "",
        "ticket_id": flt.ticket_id or "",
    }
    return view.render("audit.html", events=events, filters=filters)
