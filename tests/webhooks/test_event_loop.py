"""A hostile body costs CPU to redact: the event loop keeps answering while it is redacted.

The gate pauses the real ``redact()`` of one ticket body, in whichever thread runs it, until
the test has had its answer from /healthz: no timing, and nothing in the app is replaced. If
redaction ran on the event loop, the paused call would hold the loop and /healthz would never
answer (the client gives up after its timeout and the test fails).
"""

from __future__ import annotations

import asyncio
import threading
from types import FrameType
from typing import Any

import httpx

from tests import signing
from tests.live import live_server
from triage.config import Settings
from triage.redaction import engine

MARKER = "gate-marker-7f3a"
HOSTILE = "1 " * 20_000  # the quadratic family of issue 14


class RedactionGate:
    """A profile hook that stops ``engine.redact`` when it is called on the marked text."""

    def __init__(self) -> None:
        self.entered = threading.Event()
        self.release = threading.Event()
        self.loop_thread = False

    def __call__(self, frame: FrameType, event: str, _arg: Any) -> None:
        if event != "call" or frame.f_code is not engine.redact.__code__:
            return
        text = frame.f_locals.get("text")
        if isinstance(text, str) and MARKER in text:
            self.loop_thread = _loop_running()
            self.entered.set()
            self.release.wait(timeout=60)


def _loop_running() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


def _post(base: str, path: str, body: bytes, headers: dict[str, str], out: list[int]) -> None:
    out.append(httpx.post(f"{base}{path}", content=body, headers=headers, timeout=60).status_code)


def _check_loop_free(path: str, body: bytes, headers: dict[str, str]) -> None:
    gate = RedactionGate()
    # Before the server starts: only threads started afterwards (its loop, its workers) get it.
    threading.setprofile(gate)
    statuses: list[int] = []
    try:
        with live_server() as base:
            _while_held(gate, base, path, body, headers, statuses)
    finally:
        gate.release.set()
        threading.setprofile(None)  # type: ignore[arg-type]
    assert statuses == [202]


def _while_held(
    gate: RedactionGate,
    base: str,
    path: str,
    body: bytes,
    headers: dict[str, str],
    statuses: list[int],
) -> None:
    sender = threading.Thread(target=_post, args=(base, path, body, headers, statuses))
    sender.start()
    try:
        assert gate.entered.wait(timeout=60), "the marked body was never redacted"
        assert not gate.loop_thread, "redaction ran on the event loop thread"
        health = httpx.get(f"{base}/healthz", timeout=10)
        assert health.status_code == 200
        assert sender.is_alive() and statuses == []  # still held inside redact()
    finally:
        gate.release.set()
        sender.join(timeout=60)


def test_zendesk_body_is_redacted_off_the_event_loop(settings: Settings) -> None:
    payload = signing.zendesk_event(9101, "hostile", f"{MARKER} card {HOSTILE}")
    body = signing.dumps(payload)
    _check_loop_free("/webhooks/zendesk", body, signing.zendesk_headers(body))


def test_servicenow_body_is_redacted_off_the_event_loop(settings: Settings) -> None:
    payload = signing.servicenow_record("9101abcdef", "hostile", f"{MARKER} {HOSTILE}")
    body = signing.dumps(payload)
    _check_loop_free("/webhooks/servicenow", body, signing.servicenow_headers(body))
