"""The analyst pages: the review queue and a ticket's detail. Plain server-rendered HTML."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session

from triage.auth import dependencies as auth
from triage.config import Settings, get_settings
from triage.db.engine import get_session
from triage.review import pages, queries, service, ui_actions, ui_auth

router = APIRouter(include_in_schema=False)
router.include_router(ui_auth.router)
router.include_router(ui_actions.router)

Db = Annotated[Session, Depends(get_session)]
MaybeCaller = Annotated[auth.Caller | None, Depends(auth.optional_caller)]
Config = Annotated[Settings, Depends(get_settings)]

AGES: dict[str, tuple[float | None, float | None]] = {
    "lt1h": (None, 1),
    "1to24h": (1, 24),
    "gt24h": (24, None),
    "gt72h": (72, None),
}
AGE_LABELS = {
    "": "any age",
    "lt1h": "under 1 hour",
    "1to24h": "1 to 24 hours",
    "gt24h": "over 24 hours",
    "gt72h": "over 3 days",
}
NOTICES = {
    "confirm": "Category confirmed.",
    "correct": "Category corrected; the ticket moved to its new team's queue.",
    "reply": "Reply saved.",
    "approve": "Reply approved; it is being sent to the merchant.",
    "retry": "Sending the reply again.",
    "template": "Reply redrafted from the chosen template.",
    "requeue": "Ticket sent back to the review queue.",
    "moved": "Category corrected; the ticket now belongs to a team you are not in.",
}


def _teams(page: pages.Page) -> list[str]:
    if not page.is_lead:
        return sorted(page.user.teams)
    routes = service.routes()
    return sorted({r.team for r in routes.by_category.values()} | {routes.default.team})


@router.get("/")
def home() -> RedirectResponse:
    return RedirectResponse("/queue", status_code=303)


@router.get("/queue")
def queue_page(
    request: Request,
    caller: MaybeCaller,
    session: Db,
    settings: Config,
    stage: str = "",
    category: str = "",
    source: str = "",
    age: str = "",
    team: str = "",
    confirmed: int | None = None,
    skipped: int = 0,
    moved: int = 0,
) -> Response:
    page = pages.page_for(caller, settings)
    if page is None:
        return pages.to_login()
    low, high = AGES.get(age, (None, None))
    stage_filter = stage if stage in ("category", "reply") else None
    flt = queries.QueueFilter(
        category or None, source or None, team or None, stage_filter, low, high, limit=200
    )
    filters = {"stage": stage, "category": category, "source": source, "age": age, "team": team}
    notice = NOTICES["moved"] if moved else None
    if confirmed is not None:
        notice = f"Confirmed {confirmed} ticket(s)." + (f" Skipped {skipped}." if skipped else "")
    return pages.render(
        request,
        "queue.html",
        page,
        settings,
        result=queries.list_queue(session, page.user, flt),
        filters=filters,
        categories=service.categories(),
        teams=_teams(page),
        ages=AGE_LABELS,
        notice=notice,
    )


@router.get("/tickets/{ticket_id}")
def ticket_page(
    request: Request,
    ticket_id: int,
    caller: MaybeCaller,
    session: Db,
    settings: Config,
    done: str = "",
) -> Response:
    page = pages.page_for(caller, settings)
    if page is None:
        return pages.to_login()
    notice = NOTICES.get(done)
    return ui_actions.render_ticket(request, page, session, settings, ticket_id, notice=notice)
