"""Who the caller is: Bearer, cookie, trusted proxy (off by default), and disabled users."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from triage.auth import service
from triage.auth.models import User
from triage.config import get_settings
from triage.main import create_app


@pytest.fixture
def analyst(session: Session) -> str:
    _user, token = service.create_user(session, "ana@psp.example", "analyst", ["risk"])
    session.commit()
    return token


def _client(peer: str = "testclient") -> TestClient:
    return TestClient(create_app(), follow_redirects=False, client=(peer, 50000))


def test_bearer_token_identifies_the_user(settings, analyst: str):
    response = _client().get("/api/queue", headers={"Authorization": f"Bearer {analyst}"})
    assert response.status_code == 200


def test_proxy_header_is_ignored_unless_configured(settings, analyst: str):
    response = _client().get("/api/queue", headers={"X-Forwarded-Email": "ana@psp.example"})
    assert response.status_code == 401


def test_trusted_proxy_header_signs_in_a_known_user(
    settings, analyst: str, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("TRIAGE_TRUSTED_PROXY_HEADER", "X-Forwarded-Email")
    monkeypatch.setenv("TRIAGE_TRUSTED_PROXIES", "10.20.0.0/16, 192.0.2.7")
    get_settings.cache_clear()
    client = _client("10.20.3.4")
    assert (
        client.get("/api/queue", headers={"X-Forwarded-Email": "ana@psp.example"}).status_code
        == 200
    )
    assert (
        client.get("/api/queue", headers={"X-Forwarded-Email": "who@x.example"}).status_code == 401
    )
    page = client.get("/queue", headers={"X-Forwarded-Email": "ana@psp.example"})
    assert page.status_code == 200 and "ana@psp.example" in page.text
    # The page starts a session so that its forms carry a CSRF token.
    assert "triage_session=" in page.headers["set-cookie"]
    forged = client.post(
        "/api/queue/bulk-confirm",
        json={"ticket_ids": [1]},
        headers={"X-Forwarded-Email": "ana@psp.example"},
    )
    assert forged.status_code == 403


@pytest.mark.parametrize("peer", ["198.51.100.23", "10.21.0.1", "192.0.2.8", "testclient"])
def test_the_proxy_header_from_anyone_but_the_proxy_is_ignored(
    settings, analyst: str, monkeypatch: pytest.MonkeyPatch, peer: str
):
    monkeypatch.setenv("TRIAGE_TRUSTED_PROXY_HEADER", "X-Forwarded-Email")
    monkeypatch.setenv("TRIAGE_TRUSTED_PROXIES", "10.20.0.0/16, 192.0.2.7")
    get_settings.cache_clear()
    forged = {"X-Forwarded-Email": "ana@psp.example"}
    assert _client(peer).get("/api/queue", headers=forged).status_code == 401
    assert _client("192.0.2.7").get("/api/queue", headers=forged).status_code == 200


def test_without_trusted_proxies_the_header_is_never_believed(
    settings, analyst: str, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("TRIAGE_TRUSTED_PROXY_HEADER", "X-Forwarded-Email")
    get_settings.cache_clear()
    forged = {"X-Forwarded-Email": "ana@psp.example"}
    assert _client("127.0.0.1").get("/api/queue", headers=forged).status_code == 401


def test_disabled_user_is_refused(settings, session: Session, analyst: str):
    user = session.exec(select(User).where(User.email == "ana@psp.example")).one()
    user.active = False
    session.add(user)
    session.commit()
    response = _client().get("/api/queue", headers={"Authorization": f"Bearer {analyst}"})
    assert response.status_code == 401


def test_create_user_validates_role_and_email(session: Session):
    from triage.errors import TriageError

    with pytest.raises(TriageError):
        service.create_user(session, "x@psp.example", "superuser", [])
    with pytest.raises(TriageError):
        service.create_user(session, "not-an-email", "analyst", [])
