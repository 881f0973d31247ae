"""The sign-in pages: failed sign-ins are rate limited; signing out ends the session for good."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from tests.review.conftest import World
from tests.review.test_review_ui import _csrf, sign_in
from triage.audit.models import AuditEvent
from triage.auth import sessions
from triage.config import get_settings
from triage.main import create_app


def _try(client: TestClient, token: str) -> object:
    csrf = _csrf(client.get("/login").text)
    return client.post("/login", data={"token": token, "csrf_token": csrf})


def test_failed_sign_ins_are_limited_per_client(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRIAGE_AUTH_FAILURES_PER_MINUTE", "3")
    get_settings.cache_clear()
    app = create_app()
    guesser = TestClient(app, follow_redirects=False, client=("203.0.113.7", 5000))
    assert [_try(guesser, f"trg_guess_{n}").status_code for n in range(3)] == [401] * 3
    limited = _try(guesser, world.settlements)  # even the right token, from this client
    assert limited.status_code == 429 and int(limited.headers["retry-after"]) >= 1
    assert "Too many failed sign-ins" in limited.text
    colleague = TestClient(app, follow_redirects=False, client=("198.51.100.4", 5000))
    assert _try(colleague, world.settlements).status_code == 303


def test_a_cookie_replayed_after_sign_out_is_refused(
    client: TestClient, world: World, session: Session
) -> None:
    csrf = sign_in(client, world.settlements)
    stolen = client.cookies.get(sessions.COOKIE_NAME)
    assert stolen
    assert client.post("/logout", data={"csrf_token": csrf}).status_code == 303
    replay = TestClient(client.app, follow_redirects=False)
    replay.cookies.set(sessions.COOKIE_NAME, stolen)
    assert replay.get("/queue").status_code == 303
    assert replay.get("/api/queue").status_code == 401
    again = TestClient(client.app, follow_redirects=False)
    sign_in(again, world.settlements)  # signing in afterwards works
    assert again.get("/queue").status_code == 200
    actions = session.exec(select(AuditEvent.action)).all()
    assert "auth.sign_out" in actions
