"""The leads' audit log page (read-only, like the API)."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response

from triage.audit import service
from triage.audit.router import Filter
from triage.web import deps
from triage.web.pages import PageRequest

router = APIRouter(include_in_schema=False)

AuditLead = Annotated[PageRequest, Depends(deps.lead_page("The audit log is for leads."))]


PAGE_SIZE = 100


@router.get("/audit")
def audit_page(
    view: AuditLead,
    flt: Filter,
    before_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
) -> Response:
    """Newest first, a page at a time: "Older" continues below the last event shown, so pages
    stay stable while new events are appended."""
    events = service.query_events(view.session, flt, before_id, limit=PAGE_SIZE + 1)
    shown = events[:PAGE_SIZE]
    filters = {
        "actor": flt.actor or "",
        "action": flt.action or "",
        "ticket_id": flt.ticket_id or "",
    }
    older = shown[-1].id if len(events) > PAGE_SIZE and shown else None
    return view.render(
        "audit.html",
        events=shown,
        filters=filters,
        actions=service.actions(view.session),
        older=_url(filters, older) if older else None,
        newest=_url(filters, None) if before_id else None,
    )


def _url(filters: dict[str, Any], before_id: int | None) -> str:
    params = {k: v for k, v in filters.items() if v} | (
        {"before_id": before_id} if before_id else {}
    )
    return "/audit?" + urlencode(params)
