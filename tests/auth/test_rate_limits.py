"""Failed sign-ins and bad Bearer tokens are rate limited per client address and per account."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from triage.auth import service
from triage.auth.limits import FailureLimiter
from triage.config import Settings, get_settings
from triage.main import create_app


def test_a_bucket_empties_after_its_budget_and_refills_over_a_minute() -> None:
    limiter = FailureLimiter(per_minute=6)  # one token back every 10 s
    for _ in range(6):
        assert limiter.wait_seconds(["client:a"], now=100.0) == 0
        limiter.failed(["client:a"], now=100.0)
    assert limiter.wait_seconds(["client:a"], now=100.0) == pytest.approx(10.0)
    assert limiter.wait_seconds(["client:b"], now=100.0) == 0
    assert limiter.wait_seconds(["client:a"], now=110.0) == 0
    limiter.failed(["client:a"], now=110.0)
    assert limiter.wait_seconds(["client:a", "client:b"], now=111.0) == pytest.approx(9.0)


@pytest.fixture
def app_with_limit(settings: Settings, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("TRIAGE_AUTH_FAILURES_PER_MINUTE", "3")
    get_settings.cache_clear()
    return create_app()


def _client(app, peer: str) -> TestClient:
    return TestClient(app, client=(peer, 40000))


def test_bad_bearer_tokens_get_429_with_retry_after_per_client_and_per_account(
    app_with_limit, session: Session
) -> None:
    _, good = service.create_user(session, "ana@psp.example", "analyst", ["risk"])
    session.commit()
    attacker = _client(app_with_limit, "203.0.113.5")
    for n in range(3):
        bad = {"Authorization": f"Bearer trg_guess_{n}"}
        assert attacker.get("/api/queue", headers=bad).status_code == 401
    limited = attacker.get("/api/queue", headers={"Authorization": "Bearer trg_guess_9"})
    assert limited.status_code == 429 and int(limited.headers["retry-after"]) >= 1
    assert limited.json()["error"] == "rate_limited"
    ok = attacker.get("/api/queue", headers={"Authorization": f"Bearer {good}"})
    assert ok.status_code == 429  # the client is over its budget, whatever it sends
    elsewhere = _client(app_with_limit, "198.51.100.8")
    assert (
        elsewhere.get("/api/queue", headers={"Authorization": f"Bearer {good}"}).status_code == 200
    )
    # One bad token retried from many addresses: its account's bucket stops it.
    for n in range(3):
        peer = _client(app_with_limit, f"192.0.2.{n + 1}")
        assert peer.get("/api/queue", headers={"Authorization": "Bearer trg_x"}).status_code == 401
    last = _client(app_with_limit, "192.0.2.50").get(
        "/api/queue", headers={"Authorization": "Bearer trg_x"}
    )
    assert last.status_code == 429


def test_behind_a_trusted_proxy_the_forwarded_client_is_limited(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRIAGE_AUTH_FAILURES_PER_MINUTE", "2")
    monkeypatch.setenv("TRIAGE_TRUSTED_PROXIES", "10.0.0.2")
    get_settings.cache_clear()
    proxy = _client(create_app(), "10.0.0.2")

    def attempt(client_ip: str, token: str) -> int:
        headers = {"Authorization": f"Bearer {token}", "X-Forwarded-For": f"{client_ip}, 10.0.0.2"}
        return proxy.get("/api/queue", headers=headers).status_code

    assert [attempt("203.0.113.9", f"trg_{n}") for n in range(2)] == [401, 401]
    assert attempt("203.0.113.9", "trg_2") == 429
    assert attempt("203.0.113.10", "trg_3") == 401  # the proxy itself is not blocked
