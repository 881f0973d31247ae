"""FastAPI dependencies: who is calling (Bearer token, session cookie or proxy) and may they."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from fastapi import Depends, Request
from sqlmodel import Session, select

from triage.auth import service, sessions
from triage.auth.models import ROLES, User
from triage.config import Settings, get_settings
from triage.db.engine import get_session
from triage.errors import TriageError

CSRF_HEADER = "x-csrf-token"


@dataclass(frozen=True)
class Caller:
    """The signed-in user and how they proved it; cookie and proxy callers need CSRF tokens."""

    user: User
    via: Literal["bearer", "proxy", "cookie"]
    session_data: dict[str, object] | None


def _from_bearer(request: Request, session: Session) -> User | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        return None
    return service.user_for_token(session, token.strip())


def session_data(request: Request, settings: Settings) -> dict[str, object] | None:
    cookie = request.cookies.get(sessions.COOKIE_NAME)
    return sessions.read(settings, cookie) if cookie else None


def _from_cookie(session: Session, data: dict[str, object] | None) -> User | None:
    uid = data.get("uid") if data else None
    return service.user_by_id(session, uid) if isinstance(uid, int) else None


def _from_proxy(request: Request, session: Session, settings: Settings) -> User | None:
    if not settings.trusted_proxy_header:
        return None
    email = request.headers.get(settings.trusted_proxy_header)
    if not email:
        return None
    user = session.exec(select(User).where(User.email == email.strip())).first()
    return user if user is not None and user.active else None


def identify(request: Request, session: Session, settings: Settings) -> Caller | None:
    data = session_data(request, settings)
    bearer = _from_bearer(request, session)
    if bearer is not None:
        return Caller(bearer, "bearer", data)
    proxied = _from_proxy(request, session, settings)
    if proxied is not None:
        return Caller(proxied, "proxy", data)
    cookie_user = _from_cookie(session, data)
    return Caller(cookie_user, "cookie", data) if cookie_user is not None else None


def optional_caller(
    request: Request,
    session: Session = Depends(get_session),
    settings: Settings = Depends(get_settings),
) -> Caller | None:
    return identify(request, session, settings)


def optional_user(caller: Caller | None = Depends(optional_caller)) -> User | None:
    return caller.user if caller is not None else None


def current_user(user: User | None = Depends(optional_user)) -> User:
    if user is None:
        raise TriageError("sign in or send a valid Bearer token", 401)
    return user


def writer(request: Request, caller: Caller | None = Depends(optional_caller)) -> User:
    """current_user for state-changing API calls: browser credentials also need the CSRF header.

    A cookie (or an identity proxy) is sent by the browser on its own, so a forged cross-site
    request would carry it; a Bearer token never is, so it needs no CSRF token.
    """
    if caller is None:
        raise TriageError("sign in or send a valid Bearer token", 401)
    if caller.via != "bearer" and not sessions.csrf_matches(
        caller.session_data, request.headers.get(CSRF_HEADER)
    ):
        raise TriageError("missing or wrong X-CSRF-Token header", 403, "csrf")
    return caller.user


def has_role(user: User, role: str) -> bool:
    return ROLES.index(user.role) >= ROLES.index(role)


def require_role(role: str) -> Callable[[User], User]:
    def dependency(user: User = Depends(current_user)) -> User:
        if not has_role(user, role):
            raise TriageError(f"this needs the {role} role", 403)
        return user

    return dependency


def can_see_team(user: User, team: str | None) -> bool:
    """Leads and admins see every team; analysts only their own."""
    if has_role(user, "lead"):
        return True
    return team is not None and team in user.teams
