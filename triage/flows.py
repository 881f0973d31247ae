"""The ingest flow, across domains: event -> redact -> store -> classify -> decide -> apply.

Domains keep to themselves (tickets store, classify predicts, routing decides and records,
review owns draft replies); this module is the one place that strings them together. The SQLite
batch writer, the PostgreSQL path and the LLM task all come through here. The caller owns the
transaction.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from typing import Any

from sqlmodel import Session

from triage import metrics, tracing
from triage.classify import data as classify_data
from triage.classify import registry, shadow
from triage.classify.classifier import Prediction
from triage.config import Settings
from triage.redaction import engine as redaction
from triage.review import replies
from triage.routing import policy, rules
from triage.routing import service as routing
from triage.tickets import service as tickets
from triage.tickets.models import Ticket, TicketEvent


@dataclass(frozen=True)
class IngestResult:
    ticket_id: int
    duplicate: bool
    category: str | None
    confidence: float | None
    route: str | None
    decided: bool = False  # this delivery classified and routed a new ticket


def redact(event: TicketEvent) -> TicketEvent:
    """Every free-text field redacted; the summary counts what was removed.

    Runs in the request, before the event is queued or written: raw text never leaves it.
    """
    subject = redaction.redact(event.subject)
    body = redaction.redact(event.body)
    comment = redaction.redact(event.comment) if event.comment is not None else None
    # Tags are free text too: an agent can type (or a trigger copy) a card number into one.
    tags = [redaction.redact(tag) for tag in event.tags]
    summaries = [subject.summary, body.summary] + ([comment.summary] if comment else [])
    summary = _merge_counts(*summaries, *(tag.summary for tag in tags))
    # Redactions by type for /metrics: counts only, never the redacted values.
    for kind, n in summary["counts"].items():
        metrics.REDACTIONS.labels(kind).inc(n)
    return replace(
        event,
        subject=subject.text,
        body=body.text,
        comment=comment.text if comment else None,
        tags=tuple(tag.text for tag in tags),
        summary=summary,
    )


def _merge_counts(*summaries: dict[str, Any]) -> dict[str, Any]:
    counts: dict[str, int] = {}
    engine = None
    for summary in summaries:
        engine = summary.get("engine", engine)
        for kind, n in summary.get("counts", {}).items():
            if n:
                counts[kind] = counts.get(kind, 0) + int(n)
    return {"counts": counts, "engine": engine}


def ingest(session: Session, event: TicketEvent, settings: Settings) -> IngestResult:
    """Store a redacted event once; a ticket it creates is classified and routed."""
    attributes = {"triage.source": event.source, "triage.event": event.kind}
    with tracing.span("ingest.flow", attributes) as span:
        result = _ingest(session, event, settings)
        span.set_attribute("triage.ticket_id", result.ticket_id)
        span.set_attribute("triage.duplicate", result.duplicate)
        if result.route:
            span.set_attribute("triage.route", result.route)
        return result


def _ingest(session: Session, event: TicketEvent, settings: Settings) -> IngestResult:
    stored = tickets.store(session, event)
    ticket = stored.ticket
    if ticket is None or ticket.id is None:
        # A duplicate of a delivery whose ticket was never linked cannot happen inside one
        # transaction; report it as a duplicate without a ticket rather than guessing.
        return IngestResult(0, stored.duplicate, None, None, None)
    if stored.created:
        _decide(session, ticket, settings)
    return IngestResult(
        ticket.id,
        stored.duplicate,
        ticket.category,
        ticket.confidence,
        ticket.route,
        decided=stored.created,
    )


def count(source: str, result: IngestResult) -> None:
    """Metrics for an ingest, once its transaction has committed: an attempt that was rolled
    back and written again (a lost race, a failed batch) must not count twice."""
    metrics.DELIVERIES.labels(source, "duplicate" if result.duplicate else "accepted").inc()
    if result.decided:
        metrics.TICKETS.labels(source, result.category or "none", result.route or "none").inc()


def _decide(session: Session, ticket: Ticket, settings: Settings) -> None:
    routes = rules.load_routes(settings.labels_dir)
    model = registry.active_model(session)
    text = classify_data.ticket_text(ticket.subject, ticket.body)
    prediction: Prediction | None = None
    if model is None:
        decision = policy.review_without_model(routes)
    else:
        started = time.perf_counter()
        prediction = model.predict(text)
        metrics.CLASSIFY_LATENCY.observe(time.perf_counter() - started)
        decision = policy.decide_from_classifier(prediction, settings.llm_enabled, routes)
    apply_decision(session, ticket, decision)
    shadow.record(session, ticket, text, prediction)  # never changes the route


def apply_decision(session: Session, ticket: Ticket, decision: policy.RouteDecision) -> int:
    """Record a decision (with its follow-up task) and draft the reply it suggests; its id."""
    recorded = routing.record(session, ticket, decision)
    if recorded.template_id is not None:
        replies.draft(session, ticket, recorded.template_id, decision.slots)
    return recorded.decision_id
