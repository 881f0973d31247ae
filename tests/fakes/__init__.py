"""Fake external services: real HTTP servers on 127.0.0.1 that record requests and script faults.

FakeServer holds the shared machinery (recording, faults, bounded waits); each fake subclasses it
and implements `route()` with just enough of the real API.
"""

from __future__ import annotations

import json
import posixpath
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

Response = tuple[int, dict[str, Any], dict[str, str]]


@dataclass
class Recorded:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: Any
    raw: bytes = b""  # the body as sent, for receivers that verify a signature over it

    @property
    def routed_path(self) -> str:
        """The path as a lenient server routes it: percent-decoded (%2F too), dot segments
        resolved. Routing on this, a fake answers where a careless URL would really land."""
        return posixpath.normpath(unquote(self.path))


@dataclass
class Fault:
    """Applies to the next `times` requests matching method (None: any)."""

    method: str | None = None
    status: int = 0  # answer this status instead of handling the request
    retry_after: str | None = None
    delay: float = 0.0
    after: bool = False  # after handling: the write lands, the answer is late or an error
    hook: Callable[[], None] | None = None  # run before handling (e.g. a concurrent edit)
    times: int = 1


class FakeServer:
    def __init__(self) -> None:
        self.requests: list[Recorded] = []
        self.faults: list[Fault] = []
        self.lock = threading.RLock()
        self._changed = threading.Condition(self.lock)
        self._release = threading.Event()  # set on stop so delayed answers end promptly
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> FakeServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._release.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    # Scripting ------------------------------------------------------------------------------
    def fail(
        self,
        status: int,
        *,
        times: int = 1,
        method: str | None = None,
        retry_after: str | None = None,
        after: bool = False,
    ) -> None:
        with self.lock:
            self.faults.append(Fault(method, status, retry_after, after=after, times=times))

    def delay(
        self, seconds: float, *, times: int = 1, method: str | None = None, after: bool = False
    ) -> None:
        with self.lock:
            self.faults.append(Fault(method, delay=seconds, after=after, times=times))

    def before(self, hook: Callable[[], None], *, method: str | None = None) -> None:
        with self.lock:
            self.faults.append(Fault(method, hook=hook))

    def _take_fault(self, method: str) -> Fault | None:
        with self.lock:
            for fault in self.faults:
                if fault.method in (None, method):
                    fault.times -= 1
                    if fault.times <= 0:
                        self.faults.remove(fault)
                    return fault
        return None

    # Inspection -----------------------------------------------------------------------------
    def requests_for(self, method: str, path_part: str = "") -> list[Recorded]:
        with self.lock:
            return [r for r in self.requests if r.method == method and path_part in r.path]

    def wait_until(self, predicate: Callable[[], bool], timeout: float = 10.0) -> bool:
        """Block until predicate() holds (re-checked on every request) or the timeout passes."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while not predicate():
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._changed.wait(min(remaining, 0.2))
        return True

    # Serving --------------------------------------------------------------------------------
    def route(self, request: Recorded) -> Response:
        raise NotImplementedError

    def serve(self, request: Recorded) -> Response:
        with self._changed:
            self.requests.append(request)
            self._changed.notify_all()
        fault = self._take_fault(request.method)
        if fault is not None and fault.hook is not None:
            fault.hook()
        if fault is not None and fault.delay and not fault.after:
            self._release.wait(fault.delay)
        if fault is not None and fault.status and not fault.after:
            return _scripted(fault)
        with self.lock:
            response = self.route(request)
        with self._changed:
            self._changed.notify_all()
        if fault is not None and fault.delay and fault.after:
            self._release.wait(fault.delay)
        if fault is not None and fault.status and fault.after:
            return _scripted(fault)
        return response


def _scripted(fault: Fault) -> Response:
    headers = {"Retry-After": fault.retry_after} if fault.retry_after else {}
    return fault.status, {"error": f"scripted {fault.status}"}, headers


def _handler_for(fake: FakeServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _handle(self) -> None:
            parts = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            request = Recorded(
                method=self.command,
                path=parts.path,
                query={k: v[-1] for k, v in parse_qs(parts.query).items()},
                headers={k.lower(): v for k, v in self.headers.items()},
                body=json.loads(raw) if raw else None,
                raw=raw,
            )
            status, body, headers = fake.serve(request)
            data = json.dumps(body).encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (timeout test): nothing to answer

        do_GET = do_PUT = do_PATCH = do_POST = _handle

        def log_message(self, *_args: Any) -> None:
            pass

    return Handler
