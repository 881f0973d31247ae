"""Liveness and readiness."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text
from sqlmodel import Session

from triage import migrate
from triage.classify import registry
from triage.db.engine import get_engine

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
def prometheus_metrics() -> Response:
    """Prometheus exposition: counts, latencies and queue gauges; never ticket text."""
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
