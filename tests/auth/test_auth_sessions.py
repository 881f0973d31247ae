"""Session cookies and tokens: pure functions, no database."""

from __future__ import annotations

from pydantic import SecretStr

from triage.auth import sessions, tokens
from triage.config import Settings


def _settings(**overrides: object) -> Settings:
    values: dict[str, object] = {"session_secret": SecretStr("k" * 40)} | overrides
    return Settings(**values)  # type: ignore[arg-type]


def test_session_round_trips_user_and_csrf():
    settings = _settings()
    data = sessions.read(settings, sessions.issue(settings, 7))
    assert data is not None and data["uid"] == 7
    assert isinstance(sessions.csrf_of(data), str)


def test_each_session_gets_a_fresh_csrf_token():
    settings = _settings()
    first = sessions.read(settings, sessions.issue(settings, 7))
    second = sessions.read(settings, sessions.issue(settings, 7))
    assert sessions.csrf_of(first) != sessions.csrf_of(second)


def test_tampered_or_foreign_cookies_are_rejected():
    settings = _settings()
    cookie = sessions.issue(settings, 7)
    assert sessions.read(settings, cookie[:-2] + "xx") is None
    assert sessions.read(_settings(session_secret=SecretStr("o" * 40)), cookie) is None
    assert sessions.read(settings, "not-a-cookie") is None


def test_expired_sessions_are_rejected():
    settings = _settings()
    cookie = sessions.issue(settings, 7)
    assert sessions.read(_settings(session_max_age_seconds=-1), cookie) is None


def test_csrf_matches_only_the_sessions_token():
    settings = _settings()
    data = sessions.read(settings, sessions.issue(settings, None))
    token = sessions.csrf_of(data)
    assert token is not None
    assert sessions.csrf_matches(data, token)
    assert not sessions.csrf_matches(data, token + "x")
    assert not sessions.csrf_matches(data, "")
    assert not sessions.csrf_matches(data, None)
    assert not sessions.csrf_matches(None, token)
    assert not sessions.csrf_matches({"uid": 1}, "")


def test_tokens_are_random_prefixed_and_stored_as_sha256():
    first, second = tokens.new_token(), tokens.new_token()
    assert first != second and first.startswith(tokens.TOKEN_PREFIX)
    digest = tokens.hash_token(first)
    assert len(digest) == 64 and first not in digest
    assert tokens.hash_token(first) == digest
