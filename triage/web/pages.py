"""Page plumbing: one Jinja environment over the domains' template folders, the signed-in
browser's page context, `render`, and the exception a page dependency raises to answer early."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from sqlmodel import Session

from triage.auth import dependencies as auth
from triage.auth import sessions
from triage.auth.models import User
from triage.config import Settings
from triage.web.filters import FILTERS

HERE = Path(__file__).resolve().parent
STATIC_DIR = HERE / "static"
# The layout (base.html, error.html) first, then each domain's own pages; names are unique.
TEMPLATE_DIRS = [
    HERE / "templates",
    *(HERE.parent / domain / "templates" for domain in ("auth", "audit", "review", "ops")),
]


def _environment() -> jinja2.Environment:
    # Autoescape everything, whatever the file extension: ticket text is hostile input.
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATE_DIRS),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(FILTERS)
    return env


templates = Jinja2Templates(env=_environment())


@dataclass(frozen=True)
class Page:
    """A signed-in browser: the user, their CSRF token, and a cookie to set if one was missing."""

    user: User
    csrf: str
    new_cookie: str | None = None

    @property
    def is_lead(self) -> bool:
        return auth.has_role(self.user, "lead")


def page_for(caller: auth.Caller | None, settings: Settings) -> Page | None:
    if caller is None:
        return None
    token = sessions.csrf_of(caller.session_data)
    if token is not None:
        return Page(caller.user, token)
    # Signed in through the identity proxy without a session yet: start one for its CSRF token.
    cookie = sessions.issue(settings, caller.user.id)
    data = sessions.read(settings, cookie)
    return Page(caller.user, sessions.csrf_of(data) or "", cookie)


def render(
    request: Request,
    name: str,
    page: Page | None,
    settings: Settings,
    status_code: int = 200,
    **context: Any,
) -> HTMLResponse:
    """Render a template with the page context; sets a pending session cookie."""
    context.setdefault("error", None)
    context.setdefault("notice", None)
    response = templates.TemplateResponse(
        request, name, {"page": page, **context}, status_code=status_code
    )
    if page is not None and page.new_cookie:
        sessions.set_cookie(response, settings, page.new_cookie)
    return response


@dataclass(frozen=True)
class PageRequest:
    """What a page handler works with: the request, the signed-in page, the caller (for its
    session's CSRF token), the request's database session and the settings."""

    request: Request
    page: Page
    caller: auth.Caller
    session: Session
    settings: Settings

    @property
    def user(self) -> User:
        return self.page.user

    def render(self, name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
        return render(self.request, name, self.page, self.settings, status_code, **context)

    def error(self, status_code: int, message: str) -> HTMLResponse:
        return self.render("error.html", status_code, error=message)


class PageExit(Exception):
    """Raised by a page dependency to answer with `response` instead (sign in, 403, ...)."""

    def __init__(self, response: Response) -> None:
        super().__init__("page answered early")
        self.response = response


def to_login() -> RedirectResponse:
    return RedirectResponse("/login", status_code=303)


def install(app: FastAPI) -> None:
    """Serve the shared static files and answer PageExit with its response."""

    @app.exception_handler(PageExit)
    async def _page_exit(_request: Request, exc: PageExit) -> Response:
        return exc.response

    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
