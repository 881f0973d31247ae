"""Signing in to the pages with an API token, and signing out."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from triage.audit import log as audit
from triage.auth import dependencies as auth
from triage.auth import service as users
from triage.auth import sessions
from triage.config import Settings
from triage.web import pages
from triage.web.deps import Config, Db, MaybeCaller

router = APIRouter(include_in_schema=False)

BAD_TOKEN = "That token is not valid, or its user is disabled. Ask an admin for a new one."
NO_SESSION = "Your sign-in form expired (or cookies are off). Reload this page and try again."
# Sign-in and sign-out check their CSRF token themselves: there may be no signed-in caller.
CsrfToken = Annotated[str, Form(max_length=200)]


def _login_form(request: Request, settings: Settings, status: int, error: str | None) -> Response:
    # The pre-sign-in session carries only a CSRF token, so the sign-in form is protected too.
    cookie = sessions.issue(settings, None)
    csrf = sessions.csrf_of(sessions.read(settings, cookie))
    response = pages.render(request, "login.html", None, settings, status, csrf=csrf, error=error)
    sessions.set_cookie(response, settings, cookie)
    return response


@router.get("/login")
def login_page(request: Request, caller: MaybeCaller, settings: Config) -> Response:
    if caller is not None:
        return RedirectResponse("/queue", status_code=303)
    return _login_form(request, settings, 200, None)


@router.post("/login")
def login(
    request: Request,
    session: Db,
    settings: Config,
    token: Annotated[str, Form(max_length=200)] = "",
    csrf_token: CsrfToken = "",
) -> Response:
    data = auth.session_data(request, settings)
    if not sessions.csrf_matches(data, csrf_token):
        return _login_form(request, settings, 403, NO_SESSION)
    user = users.user_for_token(session, token.strip()) if token.strip() else None
    if user is None or user.id is None:
        return _login_form(request, settings, 401, BAD_TOKEN)
    audit.record(session, user.email, "auth.sign_in", detail="web")
    session.commit()
    response = RedirectResponse("/queue", status_code=303)
    # A new session (and CSRF token) at sign-in, so a planted pre-login cookie is useless.
    sessions.set_cookie(response, settings, sessions.issue(settings, user.id))
    return response


@router.post("/logout")
def logout(
    caller: MaybeCaller, session: Db, settings: Config, csrf_token: CsrfToken = ""
) -> Response:
    response = RedirectResponse("/login", status_code=303)
    if caller is not None and sessions.csrf_matches(caller.session_data, csrf_token):
        audit.record(session, caller.user.email, "auth.sign_out", detail="web")
        session.commit()
        sessions.clear_cookie(response, settings)
    return response
