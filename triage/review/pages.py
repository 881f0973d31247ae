"""Shared plumbing of the analyst pages: templates, the signed-in page context, CSRF checks."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import jinja2
from fastapi import Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from sqlmodel import Session

from triage.auth import dependencies as auth
from triage.auth import sessions
from triage.auth.models import User
from triage.config import Settings, get_settings
from triage.db.engine import get_session

HERE = Path(__file__).resolve().parent
STATIC_DIR = HERE / "static"
PRIORITY_LABELS = {"urgent": "Urgent", "high": "High", "normal": "Normal", "low": "Low"}


def format_age(seconds: int) -> str:
    """A compact age for the queue: 45 s, 12 min, 5 h, 3 d."""
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min"
    if seconds < 86400:
        return f"{seconds // 3600} h"
    return f"{seconds // 86400} d"


def format_confidence(value: float | None) -> str:
    """Rounded down, and never "100%" or "0%": a calibrated 0.9999 still means about one in
    ten thousand is wrong, which ">99%" says and "100%" hides."""
    if value is None:
        return "–"
    if value > 0.99:
        return ">99%"
    if 0 < value < 0.01:
        return "<1%"
    return f"{math.floor(value * 100)}%"


def format_label(value: str | None) -> str:
    return "–" if not value else value.replace("_", " ")


def removed_items(summary: dict[str, Any]) -> list[str]:
    """What redaction took out of this ticket, e.g. ["PAN × 2"], from the stored summary."""
    counts = summary.get("counts")
    if not isinstance(counts, dict):
        return []
    return [f"{kind} × {n}" for kind, n in counts.items() if isinstance(n, int) and n > 0]


def _environment() -> jinja2.Environment:
    # Autoescape everything, whatever the file extension: ticket text is hostile input.
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(HERE / "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        age=format_age, pct=format_confidence, label=format_label, removed=removed_items
    )
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
    *,
    using: Jinja2Templates = templates,
    **context: Any,
) -> HTMLResponse:
    """Render a page (the lead pages pass their own `using`); sets a pending session cookie."""
    context.setdefault("error", None)
    context.setdefault("notice", None)
    response = using.TemplateResponse(
        request, name, {"page": page, **context}, status_code=status_code
    )
    if page is not None and page.new_cookie:
        sessions.set_cookie(response, settings, page.new_cookie)
    return response


def lead_page(
    request: Request, caller: auth.Caller | None, settings: Settings, denied: str
) -> Page | Response:
    """The signed-in lead's Page, or the response to send instead (sign in, or 403 `denied`)."""
    page = page_for(caller, settings)
    if page is None:
        return to_login()
    if not page.is_lead:
        return render(request, "error.html", page, settings, 403, error=denied)
    return page


def to_login() -> RedirectResponse:
    return RedirectResponse("/login", status_code=303)


def csrf_ok(caller: auth.Caller | None, submitted: str) -> bool:
    return caller is not None and sessions.csrf_matches(caller.session_data, submitted)


# Dependencies shared by the analyst and lead pages' form handlers.
Db = Annotated[Session, Depends(get_session)]
MaybeCaller = Annotated[auth.Caller | None, Depends(auth.optional_caller)]
Config = Annotated[Settings, Depends(get_settings)]
Csrf = Annotated[str, Form()]
CSRF_FAILED = "This form has expired or did not come from triage. Reload the page and try again."
