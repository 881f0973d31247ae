"""Liveness and readiness."""

from __future__ import annotations

import hmac

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text
from sqlmodel import Session

from triage import migrate
from triage.classify import registry
from triage.config import Settings, get_settings
from triage.db.engine import get_engine
from triage.errors import TriageError

router = APIRouter(tags=["health"])


@router.get("/healthz")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz")
def readyz() -> JSONResponse:
    checks: dict[str, bool] = {"database": False, "migrations": False, "model": False}
    try:
        engine = get_engine()
        with Session(engine) as session:
            session.execute(text("SELECT 1"))
            checks["database"] = True
            checks["migrations"] = migrate.at_head(engine)
            checks["model"] = registry.active_model(session) is not None
    except Exception:
        pass
    ready = all(checks.values())
    return JSONResponse({"ready": ready, "checks": checks}, status_code=200 if ready else 503)


@router.get("/metrics", response_class=Response)
def prometheus_metrics(request: Request, settings: Settings = Depends(get_settings)) -> Response:
    """Prometheus exposition: counts, latencies and queue gauges; never ticket text.

    With TRIAGE_METRICS_TOKEN set (required in prod) the scraper sends it as a Bearer token."""
    if settings.metrics_token is not None and not _bearer_matches(
        request.headers.get("authorization", ""), settings.metrics_token.get_secret_value()
    ):
        raise TriageError("send the metrics Bearer token", 401)
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)


def _bearer_matches(header: str, token: str) -> bool:
    scheme, _, sent = header.partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(sent.strip().encode(), token.encode())
