"""OpenTelemetry traces, off by default: one trace per delivery, from the webhook to the write-back.

The webhook request, the ingest flow, each job it queues (the trace context travels in the job's
payload, under "trace"), the LLM call and every write-back request are spans of one trace. Spans
carry ids, kinds, statuses, counts and token figures, never ticket text: exceptions are recorded
by type only, since their messages can quote what was sent.

On when TRIAGE_OTEL_ENDPOINT names an OTLP/HTTP collector (`http://collector:4318/v1/traces`);
tests pass an in-memory exporter to `configure`.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor, SpanExporter
from opentelemetry.trace import Span, SpanKind, StatusCode
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

from triage.config import Settings

TRACER_NAME = "triage"
PAYLOAD_KEY = "trace"
_PROPAGATOR = TraceContextTextMapPropagator()
_NOOP = trace.NoOpTracer()
_lock = threading.Lock()
_provider: TracerProvider | None = None

Context = otel_context.Context
Attributes = Mapping[str, str | int | float | bool]


def configure(settings: Settings, exporter: SpanExporter | None = None) -> bool:
    """Start tracing for this process when it is configured (or given an exporter); idempotent."""
    global _provider
    if exporter is None and not settings.otel_endpoint:
        return False
    with _lock:
        if _provider is not None and exporter is None:
            return True
        provider = TracerProvider(resource=Resource.create({"service.name": settings.otel_service}))
        if exporter is not None:
            provider.add_span_processor(SimpleSpanProcessor(exporter))
        else:
            from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

            provider.add_span_processor(
                BatchSpanProcessor(OTLPSpanExporter(settings.otel_endpoint))
            )
        old, _provider = _provider, provider
    if old is not None:
        old.shutdown()
    return True


def shutdown() -> None:
    """Flush and stop (process exit, or a test that configured its own exporter)."""
    global _provider
    with _lock:
        old, _provider = _provider, None
    if old is not None:
        old.shutdown()


def enabled() -> bool:
    return _provider is not None


def tracer() -> trace.Tracer:
    provider = _provider
    return provider.get_tracer(TRACER_NAME) if provider is not None else _NOOP


@contextmanager
def span(
    name: str,
    attributes: Attributes | None = None,
    *,
    kind: SpanKind = SpanKind.INTERNAL,
    parent: Context | None = None,
) -> Iterator[Span]:
    """A span, current for the block; a failure marks it with the exception's type only."""
    provider = _provider
    if provider is None:
        # Off: nothing would record it, and every webhook passes here twice.
        yield trace.INVALID_SPAN
        return
    with provider.get_tracer(TRACER_NAME).start_as_current_span(
        name,
        context=parent,
        kind=kind,
        attributes=attributes,
        record_exception=False,
        set_status_on_exception=False,
    ) as current:
        try:
            yield current
        except BaseException as exc:
            current.set_status(StatusCode.ERROR)
            current.set_attribute("error.type", type(exc).__name__)
            raise


def current() -> Context:
    return otel_context.get_current()


@contextmanager
def attached(context: Context | None) -> Iterator[None]:
    """Make a context captured in another thread (the webhook request's) current here."""
    if context is None:
        yield
        return
    token = otel_context.attach(context)
    try:
        yield
    finally:
        otel_context.detach(token)


def with_trace(payload: dict[str, Any]) -> dict[str, Any]:
    """A job payload that carries the current trace context (unchanged when nothing is traced)."""
    if not trace.get_current_span().get_span_context().is_valid:
        return payload
    carrier: dict[str, str] = {}
    _PROPAGATOR.inject(carrier)
    return {**payload, PAYLOAD_KEY: carrier}


def from_payload(payload: Mapping[str, Any]) -> Context | None:
    carrier = payload.get(PAYLOAD_KEY)
    if not isinstance(carrier, dict):
        return None
    return _PROPAGATOR.extract({str(k): str(v) for k, v in carrier.items()})
