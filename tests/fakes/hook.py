"""A fake incoming-webhook receiver (Slack-compatible): checks the JSON shape Slack accepts and,
when it has a secret, triage's signature, as a receiver configured for it would."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterator
from typing import Any

import pytest

from tests.fakes import FakeServer, Recorded, Response

SECRET = "hook-secret-7f3a9c"


class FakeHook(FakeServer):
    def __init__(self, secret: str = SECRET) -> None:
        super().__init__()
        self.secret = secret.encode()
        self.messages: list[dict[str, Any]] = []

    def route(self, request: Recorded) -> Response:
        if request.method != "POST" or request.path != "/hook":
            return 404, {"error": "no_service"}, {}
        timestamp = request.headers.get("x-triage-timestamp", "")
        signed = timestamp.encode() + b"." + request.raw
        expected = "v1=" + hmac.new(self.secret, signed, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(request.headers.get("x-triage-signature", ""), expected):
            return 401, {"error": "invalid_signature"}, {}
        body = request.body
        if not isinstance(body, dict) or not isinstance(body.get("text"), str):
            return 400, {"error": "invalid_payload"}, {}
        self.messages.append(body)
        return 200, {"ok": True}, {}


@pytest.fixture
def fake_hook() -> Iterator[FakeHook]:
    fake = FakeHook()
    fake.start()
    yield fake
    fake.stop()
