"""Serving over HTTP: deadlines for slow clients, so a trickling peer cannot hold the process.

- Headers: a connection must finish each request's headers within
  TRIAGE_HEADER_TIMEOUT_SECONDS of its first byte (or of connecting), else it is closed. uvicorn
  arms no timer before the first request, so a half-sent request would stay open for good.
- Idle keep-alive connections close after TRIAGE_KEEP_ALIVE_SECONDS (uvicorn's own timer).
- Bodies: the whole body must arrive within TRIAGE_BODY_TIMEOUT_SECONDS of the app's first read,
  else 408 (BodyDeadline, an ASGI middleware; it applies to every route).

Connection counts, per-client limits and TLS belong to the reverse proxy in front (README).
"""

from __future__ import annotations

import asyncio
from asyncio import TimerHandle
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from triage.config import get_settings
from triage.errors import TriageError


class HeaderDeadlineProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with a deadline on reading each request's headers."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.header_timeout = get_settings().header_timeout_seconds
        self._header_deadline: TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm()

    def on_message_begin(self) -> None:
        super().on_message_begin()
        if self._header_deadline is None:  # the next request on a kept-alive connection
            self._arm()

    def on_headers_complete(self) -> None:
        self._disarm()
        super().on_headers_complete()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _arm(self) -> None:
        self._header_deadline = self.loop.call_later(self.header_timeout, self._headers_late)

    def _disarm(self) -> None:
        if self._header_deadline is not None:
            self._header_deadline.cancel()
            self._header_deadline = None

    def _headers_late(self) -> None:
        self._header_deadline = None
        if not self.transport.is_closing():
            self.transport.close()


class BodyDeadline:
    """408 when a request body has not fully arrived within the deadline of the first read."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        await self.app(scope, _BodyReader(receive, get_settings().body_timeout_seconds), send)


class _BodyReader:
    """`receive` with the deadline: one timer for the whole body, armed at the first read and
    cancelled with the last. When it fires it cancels the read in progress, which becomes a 408.

    What asyncio.timeout_at does, without its per-read timer and bookkeeping (about 10 us a
    request on the webhook path, where the body comes in one message).
    """

    __slots__ = ("_done", "_expired", "_receive", "_task", "_timeout", "_timer")

    def __init__(self, receive: Receive, timeout: float) -> None:
        self._receive = receive
        self._timeout = timeout
        self._timer: TimerHandle | None = None
        self._task: asyncio.Task[Any] | None = None
        self._expired = False
        self._done = False

    async def __call__(self) -> Message:
        if self._done:  # afterwards the app only waits for a disconnect: no deadline
            return await self._receive()
        if self._expired:
            raise self._late()
        if self._timer is None:
            loop = asyncio.get_running_loop()
            self._timer = loop.call_later(self._timeout, self._expire)
        self._task = asyncio.current_task()
        try:
            message = await self._receive()
        except asyncio.CancelledError:
            if not self._expired or self._task is None or self._task.uncancel() > 0:
                raise  # cancelled by someone else (or twice): not ours to turn into a 408
            raise self._late() from None
        finally:
            self._task = None
        self._done = message["type"] != "http.request" or not message.get("more_body")
        if self._done:
            self._timer.cancel()
        return message

    def _expire(self) -> None:
        self._expired = True
        if self._task is not None:
            self._task.cancel()

    def _late(self) -> TriageError:
        return TriageError(
            f"the request body did not arrive within {self._timeout:g} s", 408, "timeout"
        )


def run(host: str, port: int) -> None:
    import uvicorn

    settings = get_settings()
    uvicorn.run(
        "triage.main:create_app",
        factory=True,
        host=host,
        port=port,
        log_config=None,
        http=HeaderDeadlineProtocol,
        timeout_keep_alive=settings.keep_alive_seconds,
    )
