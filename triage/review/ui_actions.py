"""The analyst pages' forms: each POST checks the session's CSRF token, acts, and redirects."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session

from triage.auth import dependencies as auth
from triage.auth.models import User
from triage.config import Settings
from triage.errors import TriageError
from triage.redaction import engine as redaction
from triage.review import language, links, pages, queries, replies, service
from triage.review.pages import CSRF_FAILED, Config, Csrf, Db, MaybeCaller

router = APIRouter(include_in_schema=False)


def render_ticket(
    request: Request,
    page: pages.Page,
    session: Session,
    settings: Settings,
    ticket_id: int,
    notice: str | None = None,
    error: TriageError | None = None,
    draft: str | None = None,
) -> Response:
    try:
        detail = queries.ticket_detail(session, page.user, ticket_id)
    except TriageError as exc:
        return pages.render(
            request, "error.html", page, settings, exc.status_code, error=exc.message
        )
    return pages.render(
        request,
        "ticket.html",
        page,
        settings,
        error.status_code if error else 200,
        t=detail,
        categories=service.categories(),
        notice=notice,
        error=error.message if error else None,
        draft=redaction.redact(draft[: replies.MAX_BODY]).text if draft else None,
        unfilled=replies.unfilled(draft)
        if draft
        else (detail.reply.unfilled if detail.reply else []),
        original=links.original_url(
            settings, detail.source, detail.external_id, detail.external_table
        ),
        languages=language.NAMES,
        reply_languages=language.REPLY_LANGUAGES,
    )


def _act(
    request: Request,
    caller: auth.Caller | None,
    session: Session,
    settings: Settings,
    ticket_id: int,
    csrf_token: str,
    action: Callable[[User], str],
    draft: str | None = None,
) -> Response:
    """Run one form action in its own transaction; on failure show the ticket with the reason
    (and the analyst's unsaved reply text, redacted, still in the box)."""
    page = pages.page_for(caller, settings)
    if page is None:
        return pages.to_login()
    if not pages.csrf_ok(caller, csrf_token):
        return pages.render(request, "error.html", page, settings, 403, error=CSRF_FAILED)
    try:
        done = action(page.user)
        session.commit()
    except TriageError as exc:
        session.rollback()
        return render_ticket(request, page, session, settings, ticket_id, error=exc, draft=draft)
    if done == "moved":
        # The confirmation offers to undo: the analyst can no longer open the ticket.
        return RedirectResponse(f"/queue?moved={ticket_id}", status_code=303)
    return RedirectResponse(f"/tickets/{ticket_id}?done={done}", status_code=303)


@router.post("/tickets/{ticket_id}/confirm")
def confirm(
    request: Request,
    ticket_id: int,
    caller: MaybeCaller,
    session: Db,
    settings: Config,
    csrf_token: Csrf = "",
) -> Response:
    def action(user: User) -> str:
        service.confirm(session, user, ticket_id)
        return "confirm"

    return _act(request, caller, session, settings, ticket_id, csrf_token, action)


@router.post("/tickets/{ticket_id}/correct")
def correct(
    request: Request,
    ticket_id: int,
    caller: MaybeCaller,
    session: Db,
    settings: Config,
    category: Annotated[str, Form()] = "",
    reason: Annotated[str, Form(max_length=1000)] = "",
    csrf_token: Csrf = "",
) -> Response:
    def action(user: User) -> str:
        team_before = queries.visible_ticket(session, user, ticket_id).team
        ticket = service.correct(session, user, ticket_id, category, reason)
        if not auth.can_see_team(user, ticket.team):
            return "moved"
        return "recategorised" if ticket.team == team_before else "correct"

    return _act(request, caller, session, settings, ticket_id, csrf_token, action)


@router.post("/tickets/{ticket_id}/reply")
def edit_reply(
    request: Request,
    ticket_id: int,
    caller: MaybeCaller,
    session: Db,
    settings: Config,
    body: Annotated[str, Form(max_length=10_000)] = "",
    csrf_token: Csrf = "",
) -> Response:
    def action(user: User) -> str:
        service.edit_reply(session, user, ticket_id, body)
        return "reply"

    return _act(request, caller, session, settings, ticket_id, csrf_token, action)


@router.post("/tickets/{ticket_id}/approve")
def approve(
    request: Request,
    ticket_id: int,
    caller: MaybeCaller,
    session: Db,
    settings: Config,
    body: Annotated[str | None, Form(max_length=10_000)] = None,
    csrf_token: Csrf = "",
) -> Response:
    """Approves the text in the reply box as submitted with the button, saved or not."""

    def action(user: User) -> str:
        service.approve(session, user, ticket_id, body)
        return "approve"

    return _act(request, caller, session, settings, ticket_id, csrf_token, action, body)


@router.post("/tickets/{ticket_id}/retry-send")
def retry_send(
    request: Request,
    ticket_id: int,
    caller: MaybeCaller,
    session: Db,
    settings: Config,
    csrf_token: Csrf = "",
) -> Response:
    def action(user: User) -> str:
        service.retry_send(session, user, ticket_id)
        return "retry"

    return _act(request, caller, session, settings, ticket_id, csrf_token, action)


@router.post("/tickets/{ticket_id}/template")
def switch_template(
    request: Request,
    ticket_id: int,
    caller: MaybeCaller,
    session: Db,
    settings: Config,
    template_id: Annotated[str, Form(max_length=120)] = "",
    language: Annotated[str, Form(max_length=8)] = "en",
    csrf_token: Csrf = "",
) -> Response:
    def action(user: User) -> str:
        service.switch_template(session, user, ticket_id, template_id, language)
        return "template"

    return _act(request, caller, session, settings, ticket_id, csrf_token, action)


@router.post("/tickets/{ticket_id}/undo-correction")
def undo_correction(
    request: Request,
    ticket_id: int,
    caller: MaybeCaller,
    session: Db,
    settings: Config,
    csrf_token: Csrf = "",
) -> Response:
    def action(user: User) -> str:
        service.undo_correction(session, user, ticket_id)
        return "undone"

    return _act(request, caller, session, settings, ticket_id, csrf_token, action)


@router.post("/tickets/{ticket_id}/requeue")
def requeue(
    request: Request,
    ticket_id: int,
    caller: MaybeCaller,
    session: Db,
    settings: Config,
    reason: Annotated[str, Form(max_length=1000)] = "",
    csrf_token: Csrf = "",
) -> Response:
    def action(user: User) -> str:
        service.requeue(session, user, ticket_id, reason or None)
        return "requeue"

    return _act(request, caller, session, settings, ticket_id, csrf_token, action)


@router.post("/queue/bulk-confirm")
def bulk_confirm(
    request: Request,
    caller: MaybeCaller,
    session: Db,
    settings: Config,
    ticket_id: Annotated[list[int] | None, Form()] = None,
    csrf_token: Csrf = "",
) -> Response:
    page = pages.page_for(caller, settings)
    if page is None:
        return pages.to_login()
    if not pages.csrf_ok(caller, csrf_token):
        return pages.render(request, "error.html", page, settings, 403, error=CSRF_FAILED)
    confirmed, skipped = service.bulk_confirm(session, page.user, ticket_id or [])
    session.commit()
    url = f"/queue?confirmed={len(confirmed)}&skipped={len(skipped)}"
    return RedirectResponse(url, status_code=303)
