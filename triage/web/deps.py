"""The request dependencies every router and page shares, defined once.

API routes take `Db`, `Config` and a user (`CurrentUser`, `Writer`, `Lead`, `LeadWriter`).
Pages take a `PageRequest`: `SignedIn` (else a redirect to sign in), a lead page from
`lead_page(denied)`, and for a form POST `CsrfForm` (or `csrf_form(...)` over a lead page), which
also checks the form's CSRF token against the session before the handler runs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Form, Request
from sqlmodel import Session

from triage.auth import dependencies as auth
from triage.auth import sessions
from triage.auth.models import User
from triage.config import Settings, get_settings
from triage.db.engine import get_session
from triage.errors import TriageError
from triage.web.pages import PageExit, PageRequest, page_for, to_login

Db = Annotated[Session, Depends(get_session)]
Config = Annotated[Settings, Depends(get_settings)]
MaybeCaller = Annotated[auth.Caller | None, Depends(auth.optional_caller)]
CurrentUser = Annotated[User, Depends(auth.current_user)]
Writer = Annotated[User, Depends(auth.writer)]
Lead = Annotated[User, Depends(auth.require_role("lead"))]

CSRF_FAILED = "This form has expired or did not come from triage. Reload the page and try again."


def lead_writer(user: Writer) -> User:
    if not auth.has_role(user, "lead"):
        raise TriageError("this needs the lead role", 403)
    return user


LeadWriter = Annotated[User, Depends(lead_writer)]


def signed_in(request: Request, caller: MaybeCaller, session: Db, settings: Config) -> PageRequest:
    page = page_for(caller, settings)
    if caller is None or page is None:
        raise PageExit(to_login())
    return PageRequest(request, page, caller, session, settings)


SignedIn = Annotated[PageRequest, Depends(signed_in)]


def lead_page(denied: str) -> Callable[[PageRequest], PageRequest]:
    """A dependency for a lead page: signed in, and a lead (else a 403 page saying `denied`)."""

    def dependency(view: SignedIn) -> PageRequest:
        if not view.page.is_lead:
            raise PageExit(view.error(403, denied))
        return view

    return dependency


def csrf_form(
    page: Callable[..., PageRequest] = signed_in,
) -> Callable[[PageRequest, str], PageRequest]:
    """A form POST over the `page` dependency: the form's csrf_token must match the session's."""

    def dependency(
        # A default, not an annotation: annotations are strings, resolved without this closure.
        view: PageRequest = Depends(page),
        csrf_token: Annotated[str, Form()] = "",
    ) -> PageRequest:
        if not sessions.csrf_matches(view.caller.session_data, csrf_token):
            raise PageExit(view.error(403, CSRF_FAILED))
        return view

    return dependency


CsrfForm = Annotated[PageRequest, Depends(csrf_form())]
