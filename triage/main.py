"""create_app(): routers, error handlers, middleware and the lifespan that loads the model once."""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request, Response
from fastapi.staticfiles import StaticFiles
from sqlmodel import Session

from triage import errors, health, logs, metrics
from triage.audit import router as audit_router
from triage.classify import registry
from triage.config import get_settings
from triage.db import get_engine
from triage.jobs import router as jobs_router
from triage.ops import router as ops_router
from triage.ops import ui as ops_ui
from triage.review import pages as review_pages
from triage.review import router as review_router
from triage.review import ui as review_ui
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


@asynccontextmanager
async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
    settings = get_settings()
    settings.check_production()
    logs.configure(settings)
    with Session(get_engine()) as session:
        model = registry.active_model(session)
    if model is None:
        log.warning("no active model: every ticket goes to review until one is promoted")
    stop_worker = _start_worker() if settings.run_worker_in_process else None
    try:
        yield
    finally:
        if stop_worker is not None:
            stop_worker()


def _start_worker() -> Callable[[], None]:
    from triage.jobs import worker

    return worker.start_background_worker()


async def _observe(
    request: Request, call_next: Callable[[Request], Awaitable[Response]]
) -> Response:
    request_id = request.headers.get("x-request-id") or uuid.uuid4().hex
    token = logs.REQUEST_ID.set(request_id[:64])
    started = time.perf_counter()
    status = 500
    try:
        response = await call_next(request)
        status = response.status_code
    finally:
        route = request.scope.get("route")
        path = getattr(route, "path", "unmatched")
        metrics.REQUEST_LATENCY.labels(request.method, path, str(status)).observe(
            time.perf_counter() - started
        )
        logs.REQUEST_ID.reset(token)
    response.headers["X-Request-ID"] = request_id[:64]
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    return response


def create_app() -> FastAPI:
    app = FastAPI(title="triage", version="0.1.0", lifespan=lifespan)
    errors.install_handlers(app)
    app.middleware("http")(_observe)
    app.include_router(health.router)
    app.include_router(webhooks_router)
    app.include_router(review_router.router)
    app.include_router(audit_router.router)
    app.include_router(jobs_router.router)
    app.include_router(ops_router.router)
    app.include_router(review_ui.router)
    app.include_router(ops_ui.router)
    app.mount("/static", StaticFiles(directory=review_pages.STATIC_DIR), name="static")
    return app
