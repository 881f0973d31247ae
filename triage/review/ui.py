"""The analyst pages: the review queue and a ticket's detail, plain server-rendered HTML, and
their forms: each POST is CSRF-checked (`CsrfForm`), acts in its own transaction and redirects."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Form
from fastapi.responses import RedirectResponse, Response

from triage.auth import dependencies as auth
from triage.errors import TriageError
from triage.review import queries, service
from triage.tickets.models import Ticket
from triage.web.deps import CsrfForm, SignedIn
from triage.web.pages import PageRequest

router = APIRouter(include_in_schema=False)

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
    "requeue": "Ticket sent back to the review queue.",
    "moved": "Category corrected; the ticket now belongs to a team you are not in.",
}
Reason = Annotated[str, Form(max_length=1000)]


def _teams(view: PageRequest) -> list[str]:
    if not view.page.is_lead:
        return sorted(view.user.teams)
    routes = service.routes()
    return sorted({r.team for r in routes.by_category.values()} | {routes.default.team})


@router.get("/")
def home() -> RedirectResponse:
    return RedirectResponse("/queue", status_code=303)


@router.get("/queue")
def queue_page(
    view: SignedIn,
    stage: str = "",
    category: str = "",
    source: str = "",
    age: str = "",
    team: str = "",
    confirmed: int | None = None,
    skipped: int = 0,
    moved: int = 0,
) -> Response:
    low, high = AGES.get(age, (None, None))
    stage_filter = stage if stage in ("category", "reply") else None
    flt = queries.QueueFilter(
        category or None, source or None, team or None, stage_filter, low, high, limit=200
    )
    notice = NOTICES["moved"] if moved else None
    if confirmed is not None:
        notice = f"Confirmed {confirmed} ticket(s)." + (f" Skipped {skipped}." if skipped else "")
    return view.render(
        "queue.html",
        result=queries.list_queue(view.session, view.user, flt),
        filters={"stage": stage, "category": category, "source": source, "age": age, "team": team},
        categories=service.categories(),
        teams=_teams(view),
        ages=AGE_LABELS,
        notice=notice,
    )


def _ticket(
    view: PageRequest, ticket_id: int, notice: str | None = None, error: TriageError | None = None
) -> Response:
    try:
        detail = queries.ticket_detail(view.session, view.user, ticket_id)
    except TriageError as exc:
        return view.error(exc.status_code, exc.message)
    return view.render(
        "ticket.html",
        error.status_code if error else 200,
        t=detail,
        categories=service.categories(),
        notice=notice,
        error=error.message if error else None,
    )


@router.get("/tickets/{ticket_id}")
def ticket_page(view: SignedIn, ticket_id: int, done: str = "") -> Response:
    return _ticket(view, ticket_id, notice=NOTICES.get(done))


def _act(
    view: PageRequest,
    ticket_id: int,
    action: Callable[[], Any],
    done: str | Callable[[Any], str],
) -> Response:
    """Run one form action in its own transaction; on failure show the ticket with the reason.
    `done` names the notice to show, or picks it from the action's result."""
    try:
        result = action()
        view.session.commit()
    except TriageError as exc:
        view.session.rollback()
        return _ticket(view, ticket_id, error=exc)
    outcome = done(result) if callable(done) else done
    if outcome == "moved":
        return RedirectResponse("/queue?moved=1", status_code=303)
    return RedirectResponse(f"/tickets/{ticket_id}?done={outcome}", status_code=303)


@router.post("/tickets/{ticket_id}/confirm")
def confirm(view: CsrfForm, ticket_id: int) -> Response:
    return _act(
        view, ticket_id, lambda: service.confirm(view.session, view.user, ticket_id), "confirm"
    )


@router.post("/tickets/{ticket_id}/correct")
def correct(
    view: CsrfForm, ticket_id: int, category: Annotated[str, Form()] = "", reason: Reason = ""
) -> Response:
    def moved_or_corrected(ticket: Ticket) -> str:
        return "correct" if auth.can_see_team(view.user, ticket.team) else "moved"

    return _act(
        view,
        ticket_id,
        lambda: service.correct(view.session, view.user, ticket_id, category, reason),
        moved_or_corrected,
    )


@router.post("/tickets/{ticket_id}/reply")
def edit_reply(
    view: CsrfForm, ticket_id: int, body: Annotated[str, Form(max_length=10_000)] = ""
) -> Response:
    return _act(
        view,
        ticket_id,
        lambda: service.edit_reply(view.session, view.user, ticket_id, body),
        "reply",
    )


@router.post("/tickets/{ticket_id}/approve")
def approve(view: CsrfForm, ticket_id: int) -> Response:
    return _act(
        view, ticket_id, lambda: service.approve(view.session, view.user, ticket_id), "approve"
    )


@router.post("/tickets/{ticket_id}/requeue")
def requeue(view: CsrfForm, ticket_id: int, reason: Reason = "") -> Response:
    return _act(
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
