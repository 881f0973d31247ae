"""One error type with a status code, and handlers that never echo ticket text."""

from __future__ import annotations

import logging
import sqlite3

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

log = logging.getLogger(__name__)


class TriageError(Exception):
    """An expected failure with the HTTP status it maps to; the message must hold no ticket text."""

    def __init__(
        self,
        message: str,
        status_code: int = 400,
        code: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status_code = status_code
        self.code = code or _default_code(status_code)
        self.headers = headers


def _default_code(status_code: int) -> str:
    names = {
        400: "bad_request",
        401: "unauthorized",
        403: "forbidden",
        404: "not_found",
        409: "conflict",
        413: "payload_too_large",
        415: "unsupported_media_type",
        422: "invalid",
        429: "rate_limited",
        503: "unavailable",
    }
    return names.get(status_code, "error")


def error_body(code: str, detail: object) -> dict[str, object]:
    return {"error": code, "detail": detail}


def _validation_detail(exc: RequestValidationError) -> list[dict[str, object]]:
    # Pydantic includes the offending input in each error; drop it so ticket text never echoes.
    return [
        {
            "loc": [str(p) for p in err.get("loc", ())],
            "msg": err.get("msg", ""),
            "type": err.get("type"),
        }
        for err in exc.errors()
    ]


# A sender that gets 503 retries; Zendesk and ServiceNow both honour Retry-After.
RETRY_AFTER_SECONDS = 60
PG_DISK_FULL = "53100"


def database_full(exc: OperationalError) -> bool:
    """SQLite's "database or disk is full" or PostgreSQL's disk_full."""
    cause = exc.orig
    if getattr(cause, "sqlite_errorcode", None) == sqlite3.SQLITE_FULL:
        return True
    return getattr(cause, "sqlstate", None) == PG_DISK_FULL


def _unavailable(request: Request, exc: Exception) -> JSONResponse:
    # Nothing was committed (the request owns the transaction), so a retry is safe.
    full = isinstance(exc, OperationalError) and database_full(exc)
    cause = exc.orig if isinstance(exc, OperationalError) else exc
    log.error(
        "database %s on %s %s",
        "full" if full else f"unavailable ({type(cause).__name__})",
        request.method,
        request.url.path,
    )
    detail = "storage is full, retry later" if full else "database unavailable, retry later"
    return JSONResponse(
        error_body("unavailable", detail),
        status_code=503,
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
    )


def install_handlers(app: FastAPI) -> None:
    app.add_exception_handler(OperationalError, _unavailable)

    @app.exception_handler(TriageError)
    async def _triage_error(_request: Request, exc: TriageError) -> JSONResponse:
        return JSONResponse(
            error_body(exc.code, exc.message), status_code=exc.status_code, headers=exc.headers
        )

    @app.exception_handler(RequestValidationError)
    async def _validation(_request: Request, exc: RequestValidationError) -> JSONResponse:
        return JSONResponse(error_body("invalid", _validation_detail(exc)), status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = _default_code(exc.status_code)
        return JSONResponse(
            error_body(code, exc.detail), status_code=exc.status_code, headers=exc.headers
        )

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        # Log the type and route only: the exception text may quote request data.
        log.error("unhandled %s on %s %s", type(exc).__name__, request.method, request.url.path)
        return JSONResponse(error_body("internal", "internal error"), status_code=500)
