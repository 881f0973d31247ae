"""BodyDeadline on its own: one timer for the whole body, a 408 when it fires mid-read, and
cancellations that are not its own left alone. (test_slow_clients drives it over a socket.)"""

from __future__ import annotations

import asyncio

import pytest
from starlette.types import Message, Receive, Scope, Send

from triage.config import Settings, get_settings
from triage.errors import TriageError
from triage.server import BodyDeadline

SCOPE: Scope = {"type": "http", "method": "POST", "path": "/", "headers": []}


@pytest.fixture
def short_deadline(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRIAGE_BODY_TIMEOUT_SECONDS", "0.2")
    get_settings.cache_clear()


def _reader(messages: list[Message], stall: asyncio.Event) -> Receive:
    async def receive() -> Message:
        if not messages:
            await stall.wait()
            return {"type": "http.disconnect"}
        return messages.pop(0)

    return receive


async def _read_all(receive: Receive) -> list[Message]:
    got = [await receive()]
    while got[-1].get("more_body"):
        got.append(await receive())
    return got


async def _noop_send(message: Message) -> None:
    return None


@pytest.mark.usefixtures("short_deadline")
def test_a_body_in_time_is_read_and_the_wait_for_a_disconnect_has_no_deadline() -> None:
    parts: list[Message] = [
        {"type": "http.request", "body": b"a", "more_body": True},
        {"type": "http.request", "body": b"b", "more_body": False},
    ]
    seen: list[Message] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        seen.extend(await _read_all(receive))
        seen.append(await receive())  # waits past the body deadline for the disconnect

    async def main() -> None:
        stall = asyncio.Event()
        asyncio.get_running_loop().call_later(0.5, stall.set)
        await BodyDeadline(app)(SCOPE, _reader(list(parts), stall), _noop_send)

    asyncio.run(main())
    assert [m.get("body") for m in seen] == [b"a", b"b", None]
    assert seen[-1]["type"] == "http.disconnect"


@pytest.mark.usefixtures("short_deadline")
def test_a_body_stalled_past_the_deadline_is_a_408_and_the_task_is_not_left_cancelled() -> None:
    first: list[Message] = [{"type": "http.request", "body": b"a", "more_body": True}]

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await _read_all(receive)

    async def main() -> int:
        with pytest.raises(TriageError) as raised:
            await BodyDeadline(app)(SCOPE, _reader(first, asyncio.Event()), _noop_send)
        assert raised.value.status_code == 408
        task = asyncio.current_task()
        assert task is not None
        await asyncio.sleep(0)  # still runs: no cancellation is pending
        return task.cancelling()

    assert asyncio.run(main()) == 0


@pytest.mark.usefixtures("short_deadline")
def test_a_cancellation_from_elsewhere_stays_a_cancellation() -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await receive()

    async def main() -> None:
        stalled = BodyDeadline(app)(SCOPE, _reader([], asyncio.Event()), _noop_send)
        task = asyncio.ensure_future(stalled)
        await asyncio.sleep(0.05)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(main())
