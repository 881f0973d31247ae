"""POST /webhooks/zendesk and /webhooks/servicenow: verify, parse, redact, store, acknowledge."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from anyio.lowlevel import RunVar
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from opentelemetry.trace import SpanKind
from pydantic import BaseModel
from starlette.datastructures import Headers

from triage import flows, tracing
from triage.config import Settings, get_settings
from triage.errors import TriageError
from triage.tickets.models import TicketEvent
from triage.webhooks import servicenow, signatures, writer, zendesk
from triage.webhooks.parsing import decode_json

router = APIRouter(prefix="/webhooks", tags=["webhooks"])
# Redaction holds the GIL: one body at a time, so the event loop competes with one thread for
# it, not with every hostile body in flight (the others wait their turn without using CPU).
# One thread per event loop; a plain executor hop costs about a fifth of anyio's thread hop
# behind a capacity limiter (25 against 110 us of CPU with 16 requests in flight).
_REDACTING: RunVar[ThreadPoolExecutor] = RunVar("triage_redacting")


def _redacting() -> ThreadPoolExecutor:
    try:
        return _REDACTING.get()
    except LookupError:
        executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="triage-redact")
        _REDACTING.set(executor)
        return executor


class Accepted(BaseModel):
    ticket_id: int
    duplicate: bool
    category: str | None = None
    confidence: float | None = None
    route: str | None = None


class Ignored(BaseModel):
    ignored: str


RESPONSES: dict[int | str, dict[str, Any]] = {
    202: {"model": Accepted | Ignored},
    400: {"description": "Body is not JSON"},
    401: {"description": "Missing or bad signature, or stale timestamp"},
    413: {"description": "Body over the size limit"},
    422: {"description": "Wrong shape; the detail names the fields"},
}


async def _read_limited(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise TriageError(f"body is larger than {limit} bytes", 413)
    body = bytearray()
    async for chunk in request.stream():
        body.extend(chunk)
        if len(body) > limit:
            raise TriageError(f"body is larger than {limit} bytes", 413)
    return bytes(body)


def _secrets(settings: Settings, source: str) -> list[bytes]:
    secrets = settings.secrets_for(source)
    if not secrets:
        raise TriageError(f"no webhook secret is configured for {source}", 401)
    return secrets


def _accepted(result: flows.IngestResult) -> JSONResponse:
    # The fields of `Accepted`, whose values have their types already: no model to validate.
    accepted = {
        "ticket_id": result.ticket_id,
        "duplicate": result.duplicate,
        "category": result.category,
        "confidence": result.confidence,
        "route": result.route,
    }
    return JSONResponse(accepted, status_code=202)


@dataclass(frozen=True)
class _Source:
    """How one ticketing system signs and shapes its deliveries."""

    name: str
    timestamp_header: str
    signature_header: str
    parse_timestamp: Callable[[str], float]
    valid: Callable[[list[bytes], str, bytes, str], bool]
    unsupported: Callable[[dict[str, Any]], str | None]
    parse: Callable[[dict[str, Any], bytes, Headers, str], TicketEvent]


ZENDESK = _Source(
    "zendesk",
    "X-Zendesk-Webhook-Signature-Timestamp",
    "X-Zendesk-Webhook-Signature",
    signatures.parse_zendesk_timestamp,
    signatures.zendesk_valid,
    zendesk.unsupported_reason,
    lambda data, body, headers, _ts: zendesk.parse(
        data, body, headers.get("x-zendesk-webhook-invocation-id")
    ),
)
SERVICENOW = _Source(
    "servicenow",
    "X-Triage-Timestamp",
    "X-Triage-Signature",
    signatures.parse_unix_timestamp,
    signatures.servicenow_valid,
    servicenow.unsupported_reason,
    lambda data, body, _headers, ts: servicenow.parse(data, body, ts),
)


async def _receive(request: Request, source: _Source) -> JSONResponse:
    """One delivery, one trace: this request's span is the root of everything it leads to."""
    attributes = {"triage.source": source.name, "http.route": f"/webhooks/{source.name}"}
    with tracing.span("webhook.receive", attributes, kind=SpanKind.SERVER) as span:
        response = await _verify_and_store(request, source)
        span.set_attribute("http.response.status_code", response.status_code)
        return response


async def _verify_and_store(request: Request, source: _Source) -> JSONResponse:
    """Verify over the raw bytes, then parse; only a verified, supported event is stored."""
    settings = get_settings()
    body = await _read_limited(request, settings.max_body_bytes)
    timestamp = request.headers.get(source.timestamp_header, "")
    signature = request.headers.get(source.signature_header, "")
    if not timestamp or not signature:
        raise TriageError(f"missing {source.timestamp_header} or {source.signature_header}", 401)
    signatures.check_fresh(source.parse_timestamp(timestamp), settings.webhook_tolerance_seconds)
    if not source.valid(_secrets(settings, source.name), timestamp, body, signature):
        raise TriageError("signature does not match", 401)
    data = decode_json(body)
    if not isinstance(data, dict):
        raise TriageError("body must be a JSON object", 422)
    reason = source.unsupported(data)
    if reason:
        return JSONResponse({"ignored": reason}, status_code=202)
    event = source.parse(data, body, request.headers, timestamp)
    # Redacted here, before it is queued or written; raw text never leaves this frame. Up to a
    # second of CPU for a hostile body: in a worker thread, so the event loop keeps serving.
    loop = asyncio.get_running_loop()
    redacted = await loop.run_in_executor(_redacting(), flows.redact, event)
    return _accepted(await writer.store(redacted))


@router.post("/zendesk", status_code=202, responses=RESPONSES)
async def zendesk_webhook(request: Request) -> JSONResponse:
    return await _receive(request, ZENDESK)


@router.post("/servicenow", status_code=202, responses=RESPONSES)
async def servicenow_webhook(request: Request) -> JSONResponse:
    return await _receive(request, SERVICENOW)
