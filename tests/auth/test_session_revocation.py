"""Sessions end server-side: sign-out, a role change or disabling the user makes every cookie
issued before it useless, on every process (the check reads the database on each request)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from triage.auth import service, sessions
from triage.auth.models import User
from triage.config import Settings
from triage.main import create_app


@pytest.fixture
def lead(session: Session) -> tuple[User, str]:
    user, token = service.create_user(session, "lee@psp.example", "lead", ["risk"])
    session.commit()
    return user, token


def _with_cookie(cookie: str) -> TestClient:
    client = TestClient(create_app(), follow_redirects=False)
    client.cookies.set(sessions.COOKIE_NAME, cookie)
    return client


def _reads(cookie: str) -> int:
    return _with_cookie(cookie).get("/api/jobs").status_code


def test_sign_out_ends_the_replayed_cookie_but_not_a_new_sign_in(
    settings: Settings, session: Session, lead: tuple[User, str]
) -> None:
    user, token = lead
    old = sessions.issue(settings, user.id)
    assert _reads(old) == 200
    service.sign_out(session, user)
    session.commit()
    assert _reads(old) == 401
    assert _reads(sessions.issue(settings, user.id)) == 200
    bearer = TestClient(create_app()).get("/api/jobs", headers={"Authorization": f"Bearer {token}"})
    assert bearer.status_code == 200  # an API token is its own credential


def test_a_role_change_ends_sessions_signed_in_under_the_old_role(
    settings: Settings, session: Session, lead: tuple[User, str]
) -> None:
    user, _ = lead
    old = sessions.issue(settings, user.id)
    service.set_role(session, user, "analyst", "admin@psp.example")
    session.commit()
    assert _reads(old) == 401
    assert _reads(sessions.issue(settings, user.id)) == 403  # signed in again: now an analyst


def test_disabling_ends_sessions_and_enabling_does_not_revive_them(
    settings: Settings, session: Session, lead: tuple[User, str]
) -> None:
    user, _ = lead
    old = sessions.issue(settings, user.id)
    service.set_active(session, user, False, "admin@psp.example")
    session.commit()
    assert _reads(old) == 401
    service.set_active(session, user, True, "admin@psp.example")
    session.commit()
    assert _reads(old) == 401
    assert _reads(sessions.issue(settings, user.id)) == 200


def test_a_cookie_without_an_issue_time_is_refused_once_sessions_were_ended() -> None:
    assert sessions.still_valid({"uid": 1}, 0.0) is False
    assert sessions.still_valid({"uid": 1, "iat": 10.0}, 0.0) is True
    assert sessions.still_valid({"uid": 1, "iat": 10.0}, 10.0) is False
    assert sessions.still_valid({"uid": 1, "iat": "10"}, 0.0) is False
