"""Ingest a redacted ticket event: store it exactly once, classify it, decide its route.

Callers pass events that already went through webhooks.events.redact_event; nothing here ever
sees raw text. The caller owns the transaction.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlmodel import Session, select

from triage import metrics
from triage.classify import data as classify_data
from triage.classify import registry
from triage.classify.model import Prediction
from triage.config import Settings
from triage.db.engine import utcnow
from triage.db.statements import insert_ignore_id, insert_row, update_row
from triage.ops import shadow
from triage.routing import policy, rules
from triage.routing import service as routing
from triage.tickets.models import Comment, Delivery, Ticket
from triage.webhooks.events import TicketEvent


@dataclass(frozen=True)
class IngestResult:
    ticket_id: int
    duplicate: bool
    category: str | None
    confidence: float | None
    route: str | None
    decided: bool = False  # this delivery classified and routed a new ticket


def count(source: str, result: IngestResult) -> None:
    """Metrics for an ingest, once its transaction has committed: an attempt that was rolled
    back and written again (a lost race, a failed batch) must not count twice."""
    metrics.DELIVERIES.labels(source, "duplicate" if result.duplicate else "accepted").inc()
    if result.decided:
        metrics.TICKETS.labels(source, result.category or "none", result.route or "none").inc()


@lru_cache(maxsize=4)
def _routes(labels_dir: Path) -> rules.Routes:
    return rules.load_routes(labels_dir)


def ingest(session: Session, event: TicketEvent, settings: Settings) -> IngestResult:
    # Core statements with cached compiled forms and RETURNING: no ORM objects or flushes on
    # the path every webhook takes. The delivery row goes in first: it is the idempotency lock.
    delivery = {
        "source": event.source,
        "delivery_id": event.delivery_id,
        "event_type": event.kind,
        "received_at": utcnow(),
    }
    delivery_id = insert_ignore_id(session, Delivery, delivery, ["source", "delivery_id"])
    if delivery_id is None:
        return _result(_delivered_ticket(session, event), duplicate=True)
    ticket, created = _upsert_ticket(session, event)
    if event.kind == "comment" and event.comment:
        _add_comment(session, ticket, event)
    if created:
        _decide(session, ticket, settings)
    update_row(session, Delivery, delivery_id, {"ticket_id": ticket.id})
    return _result(ticket, duplicate=False, decided=created)


def _delivered_ticket(session: Session, event: TicketEvent) -> Ticket | None:
    query = select(Delivery.ticket_id).where(
        Delivery.source == event.source, Delivery.delivery_id == event.delivery_id
    )
    ticket_id = session.exec(query).one()
    return session.get(Ticket, ticket_id) if ticket_id is not None else None


def _result(ticket: Ticket | None, duplicate: bool, decided: bool = False) -> IngestResult:
    if ticket is None or ticket.id is None:
        # A duplicate of a delivery whose ticket was never linked cannot happen inside one
        # transaction; report it as a duplicate without a ticket rather than guessing.
        return IngestResult(0, duplicate, None, None, None)
    return IngestResult(
        ticket.id, duplicate, ticket.category, ticket.confidence, ticket.route, decided
    )


def _ticket_values(event: TicketEvent) -> dict[str, Any]:
    now = utcnow()
    return {
        "source": event.source,
        "external_id": event.external_id,
        "external_table": event.external_table,
        "external_number": event.external_number,
        "subject": event.subject,
        "body": event.body or (event.comment or ""),
        "requester_id": event.requester_id,
        "organization_id": event.organization_id,
        "tags": list(event.tags),
        "status": "new",
        "external_updated_at": event.updated_at,
        "redaction_summary": event.summary,
        "created_at": now,
        "updated_at": now,
    }


def _upsert_ticket(session: Session, event: TicketEvent) -> tuple[Ticket, bool]:
    """The ticket and whether this event created it; a new one is a detached copy of the row."""
    values = _ticket_values(event)
    ticket_id = insert_ignore_id(session, Ticket, values, ["source", "external_id"])
    if ticket_id is not None:
        return Ticket(id=ticket_id, **values), True
    ticket = session.exec(
        select(Ticket).where(Ticket.source == event.source, Ticket.external_id == event.external_id)
    ).one()
    _refresh(ticket, event)
    session.add(ticket)
    return ticket, False


def _refresh(ticket: Ticket, event: TicketEvent) -> None:
    if event.updated_at:
        ticket.external_updated_at = event.updated_at
    ticket.tags = sorted(set(ticket.tags) | set(event.tags))
    counts = dict(ticket.redaction_summary.get("counts", {}))
    for kind, n in event.summary.get("counts", {}).items():
        counts[kind] = counts.get(kind, 0) + n
    ticket.redaction_summary = {**ticket.redaction_summary, "counts": counts}
    ticket.updated_at = utcnow()


def _add_comment(session: Session, ticket: Ticket, event: TicketEvent) -> None:
    values = {
        "ticket_id": ticket.id,
        "external_id": event.comment_id,
        "author_id": event.author_id,
        "body": event.comment or "",
        "public": event.comment_public,
        "created_at": utcnow(),
    }
    insert_row(session, Comment, values)


def _decide(session: Session, ticket: Ticket, settings: Settings) -> None:
    routes = _routes(settings.labels_dir)
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
    routing.apply_decision(session, ticket, decision)
    shadow.record(session, ticket, text, prediction)  # ops (issue 8): never changes the route
