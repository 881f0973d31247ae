"""The ingest flow, across domains: event -> redact -> store -> classify -> decide -> apply.

Domains keep to themselves (tickets store, classify predicts, routing decides and records,
review owns draft replies); this module is the one place that strings them together, beside
`triage.new_tickets`, which writes the same rows for a batch of new tickets on PostgreSQL in one
pipeline (with `judge` from here). The batch writer and the LLM task come through here. The
caller owns the transaction.
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
from triage.incidents import service as incidents
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


def _storable(text: str) -> str:
    """Without NUL characters, which JSON may carry ("\\u0000") but PostgreSQL cannot store in
    text: a delivery holding one would fail its insert on every retry."""
    return text.replace("\x00", "")


def redact(event: TicketEvent) -> TicketEvent:
    """Every free-text field redacted; the summary counts what was removed.

    Runs in the request, before the event is queued or written: raw text never leaves it.
    """
    subject = redaction.redact(_storable(event.subject))
    body = redaction.redact(_storable(event.body))
    comment = redaction.redact(_storable(event.comment)) if event.comment is not None else None
    # Tags are free text too: an agent can type (or a trigger copy) a card number into one.
    tags = [redaction.redact(_storable(tag)) for tag in event.tags]
    event, id_summaries = _redact_display_ids(event)
    summaries = [subject.summary, body.summary] + ([comment.summary] if comment else [])
    summary = _merge_counts(*summaries, *(tag.summary for tag in tags), *id_summaries)
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


def _redact_display_ids(event: TicketEvent) -> tuple[TicketEvent, list[dict[str, Any]]]:
    """Display ids are checked by format at parse time, then redacted like any text: a 16-digit
    requester id that is a card number is stored as a card mark. Ticket and delivery ids stay
    exact; parsing refuses them when they hold a card number."""
    values = (event.requester_id, event.organization_id, event.author_id, event.comment_id)
    found = [redaction.redact(v) if v is not None else None for v in values]
    requester, organization, author, comment = (f.text if f else None for f in found)
    redacted = replace(
        event,
        requester_id=requester,
        organization_id=organization,
        author_id=author,
        comment_id=comment,
    )
    return redacted, [f.summary for f in found if f is not None]


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
    if stored.created and stored.ticket is not None:
        _decide(session, stored.ticket, settings)
    return _result(stored)


def _result(stored: tickets.Stored) -> IngestResult:
    ticket = stored.ticket
    if ticket is None or ticket.id is None:
        # A duplicate of a delivery whose ticket was never linked cannot happen inside one
        # transaction; report it as a duplicate without a ticket rather than guessing.
        return IngestResult(0, stored.duplicate, None, None, None)
    return IngestResult(
        ticket.id,
        stored.duplicate,
        ticket.category,
        ticket.confidence,
        ticket.route,
        decided=stored.created,
    )


def ingest_batch(
    session: Session, events: list[TicketEvent], settings: Settings
) -> list[IngestResult]:
    """`ingest` for events written together: the new tickets among them are stored, decided and
    followed up with one statement per table, instead of about eight statements each.

    Events that touch the same ticket or delivery twice go one by one, in order, as does every
    event that is not a new ticket (a redelivery, a comment, a ticket seen before).
    """
    if not distinct(events):
        return [ingest(session, event, settings) for event in events]
    claimed = tickets.claim_deliveries(session, events)
    fresh = [i for i, d in enumerate(claimed) if d is not None and events[i].kind == "created"]
    values = [tickets.new_ticket_values(events[i]) for i in fresh]
    routes = rules.load_routes(settings.labels_dir)
    judged = [judge(session, v["subject"], v["body"], settings, routes) for v in values]
    states = [routing.decided_state(decision) for decision, _p, _t in judged]
    created = tickets.create_tickets(session, [v | s for v, s in zip(values, states, strict=True)])
    new = {i: (t, j) for i, t, j in zip(fresh, created, judged, strict=True) if t is not None}
    _apply_new(session, [(t, j[0]) for t, j in new.values()])
    tickets.link_deliveries(
        session, [(_claimed(claimed[i]), _ticket_id(t)) for i, (t, _j) in new.items()]
    )
    for ticket, (_decision, prediction, text) in new.values():
        shadow.record(session, ticket, text, prediction)
    return [
        _one(session, event, claimed[i], new.get(i), settings) for i, event in enumerate(events)
    ]


def _one(
    session: Session,
    event: TicketEvent,
    delivery_id: int | None,
    new: tuple[Ticket, Any] | None,
    settings: Settings,
) -> IngestResult:
    if new is not None:
        return _result(tickets.Stored(new[0], duplicate=False, created=True))
    if delivery_id is None:
        return _result(tickets.Stored(tickets.delivered_ticket(session, event), duplicate=True))
    stored = tickets.attach(session, event, delivery_id)
    if stored.created and stored.ticket is not None:
        _decide(session, stored.ticket, settings)
    return _result(stored)


def distinct(events: list[TicketEvent]) -> bool:
    deliveries = {(e.source, e.delivery_id) for e in events}
    ticket_keys = {(e.source, e.external_id) for e in events}
    return len(deliveries) == len(ticket_keys) == len(events)


def _claimed(delivery_id: int | None) -> int:
    assert delivery_id is not None
    return delivery_id


def _ticket_id(ticket: Ticket) -> int:
    assert ticket.id is not None
    return ticket.id


def _apply_new(session: Session, decided: list[tuple[Ticket, policy.RouteDecision]]) -> None:
    """`apply_decision` for tickets created in this transaction in their decided state: one
    statement per table, and one read of the open incidents they may join."""
    recorded = routing.record_new(session, decided)
    drafts = [
        (ticket, r.template_id, decision.slots)
        for (ticket, decision), r in zip(decided, recorded, strict=True)
        if r.template_id is not None
    ]
    replies.draft_many(session, drafts)
    incidents.on_decided_many(
        session, [ticket for ticket, decision in decided if decision.route != "llm_pending"]
    )


def count(source: str, result: IngestResult) -> None:
    """Metrics for an ingest, once its transaction has committed: an attempt that was rolled
    back and written again (a lost race, a failed batch) must not count twice."""
    metrics.DELIVERIES.labels(source, "duplicate" if result.duplicate else "accepted").inc()
    if result.decided:
        metrics.TICKETS.labels(source, result.category or "none", result.route or "none").inc()


def _decide(session: Session, ticket: Ticket, settings: Settings) -> None:
    routes = rules.load_routes(settings.labels_dir)
    decision, prediction, text = judge(session, ticket.subject, ticket.body, settings, routes)
    apply_decision(session, ticket, decision)
    shadow.record(session, ticket, text, prediction)  # never changes the route


def judge(
    session: Session, subject: str, body: str, settings: Settings, routes: rules.Routes
) -> tuple[policy.RouteDecision, Prediction | None, str]:
    """Classify a new ticket's text and decide its route: (decision, prediction, text)."""
    model = registry.active_model(session)
    text = classify_data.ticket_text(subject, body)
    if model is None:
        return policy.review_without_model(routes), None, text
    started = time.perf_counter()
    prediction = model.predict(text)
    metrics.CLASSIFY_LATENCY.observe(time.perf_counter() - started)
    decision = policy.decide_from_classifier(prediction, settings.llm_enabled, routes)
    return decision, prediction, text


def apply_decision(session: Session, ticket: Ticket, decision: policy.RouteDecision) -> int:
    """Record a decision (with its follow-up task), draft the reply it suggests and, once the
    category is decided (tickets in review included), join the ticket to its category's open
    incident or queue the spike check; the decision's id."""
    recorded = routing.record(session, ticket, decision)
    if recorded.template_id is not None:
        replies.draft(session, ticket, recorded.template_id, decision.slots)
    if decision.route != "llm_pending":
        incidents.on_decided(session, ticket)
    return recorded.decision_id
