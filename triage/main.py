"""create_app(): routers, error handlers, middleware and the lifespan that loads the model once."""

from __future__ import annotations

import gc
import logging
import random
import time
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.telemetry import TelemetryConfig
from sqlmodel import Session
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from triage import errors, health, logs, metrics, server, tracing
from triage.audit import router as audit_router
from triage.audit import ui as audit_ui
from triage.auth import ui as auth_ui
from triage.classify import registry
from triage.config import Settings, get_settings
from triage.db.engine import get_engine
from triage.db.sqlite import WalCheckpointer
from triage.incidents import router as incidents_router
from triage.incidents import stats as incident_stats
from triage.incidents import ui as incidents_ui
from triage.jobs import router as jobs_router
from triage.jobs import stats as job_stats
from triage.jobs import worker
from triage.ops import router as ops_router
from triage.ops import ui as ops_ui
from triage.review import language
from triage.review import router as review_router
from triage.review import ui as review_ui
from triage.web import pages
from triage.webhooks import ids
from triage.webhooks.router import router as webhooks_router

log = logging.getLogger(__name__)

SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}
# Prod is served over HTTPS only (TRIAGE_COOKIE_SECURE is required there): browsers must never
# try plain HTTP again, where a session cookie or a sign-in could be intercepted.
HSTS = ("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
REQUEST_ID_HEADER = b"x-request-id"
# The version (4) and variant (RFC 4122) bits of a uuid4, set on 128 random bits as
# uuid.UUID(int=..., version=4) sets them, without building the UUID object.
UUID4_CLEAR = ~((0xF000 << 64) | (0xC000 << 48))
UUID4_SET = (0x4000 << 64) | (0x8000 << 48)
RawHeaders = list[tuple[bytes, bytes]]
# FastAPI's own OpenTelemetry instrumentation, off: triage.tracing is the one source of spans
# (ids and counts, exceptions by type only), while FastAPI's would record exception messages,
# which can quote ticket text, wherever a global provider is set. It also cost every request
# a look at the global providers.
NO_FASTAPI_TELEMETRY: TelemetryConfig = {
    "tracing": False,
    "metrics": False,
    "logs": False,
    "operation_spans": False,
    "auto_configure": False,
}


@asynccontextmanager
async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
    settings = get_settings()
    settings.check_production()
    logs.configure(settings)
    traced = tracing.configure(settings)
    with Session(get_engine()) as session:
        model = registry.active_model(session)
    if model is None:
        log.warning("no active model: every ticket goes to review until one is promoted")
    else:
        model.predict("")  # builds its fast scorer now rather than in the first webhook
    language.warm()  # the draft of every new ticket detects its language
    checkpointer = _start_checkpointer(settings)
    stop_worker = worker.start_background_worker() if settings.run_worker_in_process else None
    _freeze_startup_objects()
    try:
        yield
    finally:
        if stop_worker is not None:
            stop_worker()
        if checkpointer is not None:
            checkpointer.stop()
        if traced:
            tracing.shutdown()  # flushes the spans still batched for export


_FROZEN = False


def _freeze_startup_objects() -> None:
    """What is loaded by now (the model's vocabularies above all) lives as long as the process;
    frozen, full garbage collections no longer walk it (about 100 ms each, mid-request). Once
    per process: anything frozen is never collected, so later apps (tests) must not add to it."""
    global _FROZEN
    if not _FROZEN:
        gc.collect()
        gc.freeze()
        _FROZEN = True


def _start_checkpointer(settings: Settings) -> WalCheckpointer | None:
    if not settings.is_sqlite or settings.sqlite_checkpoint_seconds <= 0:
        return None
    return WalCheckpointer(get_engine(), settings.sqlite_checkpoint_seconds).start()


class ObserveMiddleware:
    """Request id, latency per route template, security headers and the in-flight count the
    embedded worker yields to; a plain ASGI middleware.

    Starlette's `@app.middleware("http")` runs every request through an extra task and
    memory streams; this wraps `send` instead. It works on the raw header lists and keeps each
    route's latency child: Headers/MutableHeaders and `labels()` cost about 15 us a request.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        headers = dict(SECURITY_HEADERS)
        if get_settings().env == "prod":
            headers[HSTS[0]] = HSTS[1]
        self.headers = headers
        self._raw = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()]
        self._latency: dict[tuple[str, str, int], Any] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        # Unauthenticated input that goes into every log line: a short token or a fresh id.
        request_id = ids.request_id(_header(scope, REQUEST_ID_HEADER)) or _new_request_id()
        token = logs.REQUEST_ID.set(request_id)
        started = time.perf_counter()
        status = 500
        worker.REQUESTS.enter()

        async def send_with_headers(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = self._with_headers(message.get("headers", ()), request_id)
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        finally:
            worker.REQUESTS.leave()
            self._observe(scope, status, time.perf_counter() - started)
            logs.REQUEST_ID.reset(token)

    def _with_headers(self, raw: Iterable[tuple[bytes, bytes]], request_id: str) -> RawHeaders:
        """The response's headers with X-Request-ID set (once) and the security headers the
        response did not set itself; header names in ASGI messages are lower case."""
        headers: RawHeaders = []
        present = set()
        for name, value in raw:
            if name == REQUEST_ID_HEADER:
                if name in present:
                    continue
                value = request_id.encode("latin-1")
            present.add(name)
            headers.append((name, value))
        if REQUEST_ID_HEADER not in present:
            headers.append((REQUEST_ID_HEADER, request_id.encode("latin-1")))
        headers.extend(item for item in self._raw if item[0] not in present)
        return headers

    def _observe(self, scope: Scope, status: int, seconds: float) -> None:
        path = getattr(scope.get("route"), "path", "unmatched")
        key = (scope["method"], path, status)
        child = self._latency.get(key)
        if child is None:
            child = self._latency[key] = metrics.REQUEST_LATENCY.labels(key[0], path, str(status))
        child.observe(seconds)


def _header(scope: Scope, name: bytes) -> str | None:
    """The first value of a request header, as Starlette's Headers would give it."""
    for key, value in scope["headers"]:
        if key == name:
            return str(value.decode("latin-1"))
    return None


def _new_request_id() -> str:
    """A random uuid4 in hex, from the process's PRNG (seeded from the OS, reseeded in a forked
    child). uuid4() reads os.urandom, a system call that lets go of the GIL: on a busy process
    the event loop then waited for the ingest writer's time slice (up to 5 ms) before it could
    go on with the request. A log correlation id needs to be unique, not unguessable."""
    bits = random.getrandbits(128) & UUID4_CLEAR | UUID4_SET
    return f"{bits:032x}"


def create_app() -> FastAPI:
    app = FastAPI(
        title="triage", version="0.1.0", lifespan=lifespan, telemetry=NO_FASTAPI_TELEMETRY
    )
    errors.install_handlers(app)
    app.add_middleware(server.BodyDeadline)
    app.add_middleware(ObserveMiddleware)
    job_stats.register_collector()
    incident_stats.register()
    app.include_router(health.router)
    app.include_router(webhooks_router)
    app.include_router(review_router.router)
    app.include_router(audit_router.router)
    app.include_router(jobs_router.router)
    app.include_router(ops_router.router)
    app.include_router(auth_ui.router)
    app.include_router(review_ui.router)
    app.include_router(audit_ui.router)
    app.include_router(ops_ui.router)
    app.include_router(incidents_router.router)
    app.include_router(incidents_ui.router)
    pages.install(app)
    return app
