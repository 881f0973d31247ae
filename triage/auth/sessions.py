"""Signed session cookies for the analyst UI (itsdangerous).

The cookie holds only the user id (None before sign-in), when it was issued and the per-session
CSRF token; it is signed, not encrypted, so nothing secret may ever go into it. A signature
alone cannot be taken back, so every request also checks the issue time against the user's
`sessions_revoked_at` (set by sign-out, a role change or disabling the user): `still_valid`.
"""

from __future__ import annotations

import hmac
import secrets
import time

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from starlette.responses import Response

from triage.config import Settings

COOKIE_NAME = "triage_session"
_fallback_secret = secrets.token_urlsafe(32)


def _serializer(settings: Settings) -> URLSafeTimedSerializer:
    # A dev process without a configured secret gets a random one: sessions end on restart.
    secret = settings.session_secret.get_secret_value() if settings.session_secret else None
    return URLSafeTimedSerializer(secret or _fallback_secret, salt="triage-session")


def issue(settings: Settings, user_id: int | None) -> str:
    """A fresh session; a new CSRF token each time so signing in rotates it."""
    data = {"uid": user_id, "iat": time.time(), "csrf": secrets.token_urlsafe(16)}
    return _serializer(settings).dumps(data)


def read(settings: Settings, cookie: str) -> dict[str, object] | None:
    try:
        data = _serializer(settings).loads(cookie, max_age=settings.session_max_age_seconds)
    except (BadSignature, SignatureExpired):
        return None
    return data if isinstance(data, dict) else None


def still_valid(data: dict[str, object], revoked_at: float) -> bool:
    """False for a session issued before its user's sessions were ended (or with no issue
    time, from before revocation existed, once any were)."""
    issued = data.get("iat")
    issued_at = float(issued) if isinstance(issued, int | float) else 0.0
    return issued_at > revoked_at


def csrf_of(data: dict[str, object] | None) -> str | None:
    token = data.get("csrf") if data else None
    return token if isinstance(token, str) and token else None


def csrf_matches(data: dict[str, object] | None, submitted: str | None) -> bool:
    expected = csrf_of(data)
    if expected is None or not submitted:
        return False
    return hmac.compare_digest(expected.encode(), submitted.encode())


def set_cookie(response: Response, settings: Settings, value: str) -> None:
    response.set_cookie(
        COOKIE_NAME,
        value,
        max_age=settings.session_max_age_seconds,
        httponly=True,
        samesite="strict",
        secure=settings.cookie_secure,
        path="/",
    )


def clear_cookie(response: Response, settings: Settings) -> None:
    response.delete_cookie(
        COOKIE_NAME, httponly=True, samesite="strict", secure=settings.cookie_secure, path="/"
    )
