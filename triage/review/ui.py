"""The analyst pages: the review queue and a ticket's detail. Plain server-rendered HTML."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session

from triage.auth import dependencies as auth
from triage.config import Settings, get_settings
from triage.db.engine import get_session
from triage.review import listing, pages, service, ui_actions, ui_auth
from triage.review.schemas import MAX_ID

router = APIRouter(include_in_schema=False)
router.include_router(ui_auth.router)
router.include_router(ui_actions.router)

Db = Annotated[Session, Depends(get_session)]
MaybeCaller = Annotated[auth.Caller | None, Depends(auth.optional_caller)]
Config = Annotated[Settings, Depends(get_settings)]

PAGE_SIZE = 50
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
    "recategorised": "Category corrected; the ticket stays in this team's queue.",
    "undone": "Correction undone; the ticket is back in your team's queue.",
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
    q: Annotated[str, Query(max_length=listing.MAX_SEARCH)] = "",
    sort: str = "priority",
    desc: int = 0,
    page_number: Annotated[int, Query(alias="page", ge=1, le=100_000)] = 1,
    confirmed: int | None = None,
    skipped: int = 0,
    moved: int = 0,
    finished: int = 0,
) -> Response:
    page = pages.page_for(caller, settings)
    if page is None:
        return pages.to_login()
    filters: dict[str, Any] = {"stage": stage, "category": category, "source": source}
    filters |= {
        "age": age,
        "team": team,
        "q": q,
        "sort": sort if sort in listing.SORTS else "priority",
        "desc": desc,
    }
    flt = _queue_filter(filters, page_number)
    notice = "That was the last ticket in the queue." if finished else None
    if confirmed is not None:
        notice = f"Confirmed {confirmed} ticket(s)." + (f" Skipped {skipped}." if skipped else "")
    return pages.render(
        request,
        "queue.html",
        page,
        settings,
        result=listing.list_queue(session, page.user, flt),
        filters=filters,
        filtered=any(filters[k] for k in ("stage", "category", "source", "age", "team", "q")),
        url=lambda **changes: queue_url(filters, **changes),
        page_size=PAGE_SIZE,
        categories=service.categories(),
        teams=_teams(page),
        ages=AGE_LABELS,
        notice=notice,
        undo=moved or None,
    )


def _queue_filter(filters: dict[str, Any], page_number: int) -> listing.QueueFilter:
    low, high = AGES.get(filters["age"], (None, None))
    stage = filters["stage"] if filters["stage"] in ("category", "reply") else None
    return listing.QueueFilter(
        filters["category"] or None,
        filters["source"] or None,
        filters["team"] or None,
        stage,
        low,
        high,
        limit=PAGE_SIZE,
        offset=(page_number - 1) * PAGE_SIZE,
        search=filters["q"] or None,
        sort=filters["sort"],
        descending=bool(filters["desc"]),
    )


def queue_url(filters: dict[str, Any], **changes: Any) -> str:
    """The queue with these filters, some changed; empty values are left out of the URL."""
    merged = {**filters, **changes}
    return "/queue?" + urlencode({k: v for k, v in merged.items() if v not in ("", 0, None)})


@router.get("/tickets/{ticket_id}/next")
def next_ticket(
    ticket_id: Annotated[int, Path(ge=1, le=MAX_ID)],
    caller: MaybeCaller,
    session: Db,
    settings: Config,
) -> Response:
    """The ticket after this one in the queue (default order); the queue when none is left."""
    page = pages.page_for(caller, settings)
    if page is None:
        return pages.to_login()
    following = listing.next_ticket_id(session, page.user, ticket_id, listing.QueueFilter())
    target = f"/tickets/{following}" if following else "/queue?finished=1"
    return RedirectResponse(target, status_code=303)


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
