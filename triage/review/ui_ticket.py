"""A ticket's page, and how every form on it acts: in its own transaction, then a redirect
with a notice, or the page again with the reason (and the analyst's unsent reply text)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi.responses import RedirectResponse, Response

from triage.errors import TriageError
from triage.redaction import engine as redaction
from triage.review import language, links, queries, replies, service
from triage.web.pages import PageRequest

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
}


def render_ticket(
    view: PageRequest,
    ticket_id: int,
    notice: str | None = None,
    error: TriageError | None = None,
    draft: str | None = None,
) -> Response:
    try:
        detail = queries.ticket_detail(view.session, view.user, ticket_id)
    except TriageError as exc:
        return view.error(exc.status_code, exc.message)
    shown = redaction.redact(draft[: replies.MAX_BODY]).text if draft else None
    unfilled = detail.reply.unfilled if detail.reply else []
    return view.render(
        "ticket.html",
        error.status_code if error else 200,
        t=detail,
        categories=service.categories(),
        notice=notice,
        error=error.message if error else None,
        draft=shown,
        unfilled=replies.unfilled(shown) if shown else unfilled,
        original=links.original_url(
            view.settings, detail.source, detail.external_id, detail.external_table
        ),
        languages=language.NAMES,
        reply_languages=language.REPLY_LANGUAGES,
    )


def act(
    view: PageRequest,
    ticket_id: int,
    action: Callable[[], Any],
    done: str | Callable[[Any], str],
    draft: str | None = None,
) -> Response:
    """Run one form action in its own transaction; on failure show the ticket with the reason.
    `done` names the notice to show, or picks it from the action's result."""
    try:
        result = action()
        view.session.commit()
    except TriageError as exc:
        view.session.rollback()
        return render_ticket(view, ticket_id, error=exc, draft=draft)
    outcome = done(result) if callable(done) else done
    if outcome == "moved":
        # The confirmation offers to undo: the analyst can no longer open the ticket.
        return RedirectResponse(f"/queue?moved={ticket_id}", status_code=303)
    return RedirectResponse(f"/tickets/{ticket_id}?done={outcome}", status_code=303)
