"""create_app(): routers, error handlers, middleware and the lifespan that loads the model once."""

from __future__ import annotations

import gc
import logging
import random
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from sqlmodel import Session
from starlette.datastructures import Headers, MutableHeaders
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
    memory streams; this wraps `send` instead and costs a few microseconds.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.headers = dict(SECURITY_HEADERS)
        if get_settings().env == "prod":
            self.headers[HSTS[0]] = HSTS[1]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        # Unauthenticated input that goes into every log line: a short token or a fresh id.
        request_id = ids.request_id(Headers(scope=scope).get("x-request-id")) or _new_request_id()
        token = logs.REQUEST_ID.set(request_id)
        started = time.perf_counter()
        status = 500
        worker.REQUESTS.enter()

        async def send_with_headers(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = MutableHeaders(scope=message)
                headers["X-Request-ID"] = request_id
                for name, value in self.headers.items():
                    headers.setdefault(name, value)
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        finally:
            worker.REQUESTS.leave()
            path = getattr(scope.get("route"), "path", "unmatched")
            metrics.REQUEST_LATENCY.labels(scope["method"], path, str(status)).observe(
                time.perf_counter() - started
            )
            logs.REQUEST_ID.reset(token)


def _new_request_id() -> str:
    """A random uuid4 in hex, from the process's PRNG (seeded from the OS, reseeded in a forked
    child). uuid4() reads os.urandom, a system call that lets go of the GIL: on a busy process
    the event loop then waited for the ingest writer's time slice (up to 5 ms) before it could
    go on with the request. A log correlation id needs to be unique, not unguessable."""
    return uuid.UUID(int=random.getrandbits(128), version=4).hex


def create_app() -> FastAPI:
    app = FastAPI(title="triage", version="0.1.0", lifespan=lifespan)
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
