"""The analyst pages: the review queue and a ticket's detail, plain server-rendered HTML, and
the category forms: each POST is CSRF-checked (`CsrfForm`), acts in its own transaction and
redirects. The reply forms are in ui_reply."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Path, Query
from fastapi.responses import RedirectResponse, Response

from triage.auth import dependencies as auth
from triage.review import listing, queries, service, ui_reply
from triage.review.schemas import MAX_ID
from triage.review.ui_ticket import NOTICES, act, render_ticket
from triage.tickets.models import Ticket
from triage.web.deps import CsrfForm, SignedIn
from triage.web.pages import PageRequest

router = APIRouter(include_in_schema=False)
router.include_router(ui_reply.router)

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
FILTER_KEYS = ("stage", "category", "source", "age", "team", "q")
Reason = Annotated[str, Form(max_length=1000)]


def _teams(view: PageRequest) -> list[str]:
    if not view.page.is_lead:
        return sorted(view.user.teams)
    routes = service.routes()
    return sorted({r.team for r in routes.by_category.values()} | {routes.default.team})


@router.get("/")
def home() -> RedirectResponse:
    return RedirectResponse("/queue", status_code=303)


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


def _queue_notice(confirmed: int | None, skipped: int, finished: int) -> str | None:
    if confirmed is not None:
        return f"Confirmed {confirmed} ticket(s)." + (f" Skipped {skipped}." if skipped else "")
    return "That was the last ticket in the queue." if finished else None


@router.get("/queue")
def queue_page(
    view: SignedIn,
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
    moved: Annotated[int, Query(ge=0, le=MAX_ID)] = 0,
    finished: int = 0,
) -> Response:
    filters: dict[str, Any] = {"stage": stage, "category": category, "source": source}
    filters |= {"age": age, "team": team, "q": q, "desc": desc}
    filters["sort"] = sort if sort in listing.SORTS else "priority"
    return view.render(
        "queue.html",
        result=listing.list_queue(view.session, view.user, _queue_filter(filters, page_number)),
        filters=filters,
        filtered=any(filters[k] for k in FILTER_KEYS),
        url=lambda **changes: queue_url(filters, **changes),
        page_size=PAGE_SIZE,
        categories=service.categories(),
        teams=_teams(view),
        ages=AGE_LABELS,
        notice=_queue_notice(confirmed, skipped, finished),
        undo=moved or None,
    )


@router.get("/tickets/{ticket_id}")
def ticket_page(view: SignedIn, ticket_id: int, done: str = "") -> Response:
    return render_ticket(view, ticket_id, notice=NOTICES.get(done))


@router.get("/tickets/{ticket_id}/next")
def next_ticket(view: SignedIn, ticket_id: Annotated[int, Path(ge=1, le=MAX_ID)]) -> Response:
    """The ticket after this one in the queue (default order); the queue when none is left."""
    following = listing.next_ticket_id(view.session, view.user, ticket_id, listing.QueueFilter())
    target = f"/tickets/{following}" if following else "/queue?finished=1"
    return RedirectResponse(target, status_code=303)


@router.post("/tickets/{ticket_id}/confirm")
def confirm(view: CsrfForm, ticket_id: int) -> Response:
    return act(
        view, ticket_id, lambda: service.confirm(view.session, view.user, ticket_id), "confirm"
    )


@router.post("/tickets/{ticket_id}/correct")
def correct(
    view: CsrfForm, ticket_id: int, category: Annotated[str, Form()] = "", reason: Reason = ""
) -> Response:
    def corrected() -> tuple[str | None, Ticket]:
        team = queries.visible_ticket(view.session, view.user, ticket_id).team
        return team, service.correct(view.session, view.user, ticket_id, category, reason)

    def outcome(result: tuple[str | None, Ticket]) -> str:
        team_before, ticket = result
        if not auth.can_see_team(view.user, ticket.team):
            return "moved"
        return "recategorised" if ticket.team == team_before else "correct"

    return act(view, ticket_id, corrected, outcome)


@router.post("/tickets/{ticket_id}/undo-correction")
def undo_correction(view: CsrfForm, ticket_id: int) -> Response:
    return act(
        view,
        ticket_id,
        lambda: service.undo_correction(view.session, view.user, ticket_id),
        "undone",
    )


@router.post("/tickets/{ticket_id}/requeue")
def requeue(view: CsrfForm, ticket_id: int, reason: Reason = "") -> Response:
    return act(
        view,
        ticket_id,
        lambda: service.requeue(view.session, view.user, ticket_id, reason or None),
        "requeue",
    )


@router.post("/queue/bulk-confirm")
def bulk_confirm(view: CsrfForm, ticket_id: Annotated[list[int] | None, Form()] = None) -> Response:
    confirmed, skipped = service.bulk_confirm(view.session, view.user, ticket_id or [])
    view.session.commit()
    url = f"/queue?confirmed={len(confirmed)}&skipped={len(skipped)}"
    return RedirectResponse(url, status_code=303)
