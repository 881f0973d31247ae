"""Incidents in the database: tickets join an active incident as they are decided (the webhook
path: two indexed statements), and the detect task opens one when a spike is clear.

The caller owns the transaction: this module flushes, never commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from triage import labels, metrics
from triage.audit import log as audit
from triage.config import Settings
from triage.db.engine import utcnow
from triage.db.statements import insert_ignore_id
from triage.incidents import answers, detection
from triage.incidents.detection import Arrival, Finding, Rules
from triage.incidents.models import ACTIVE, DuplicateBurst, Incident, IncidentTicket
from triage.jobs import queue
from triage.jobs.models import TaskKind
from triage.routing import rules as routing_rules
from triage.tickets.models import Ticket

UNKNOWN_MERCHANT = "unknown"
MAX_ROWS_PER_SPAN = 5_000
SWEEP_DELAY = timedelta(seconds=30)


def merchant_of(organization_id: str | None, requester_id: str | None) -> str:
    """The merchant behind a ticket: its organisation, else its requester; tickets with neither
    count as one merchant, so they can never make an incident on their own."""
    return (organization_id or requester_id or UNKNOWN_MERCHANT)[:64]


def rules_from(settings: Settings) -> Rules:
    categories = len(routing_rules.load_routes(settings.labels_dir).by_category) or 1
    return Rules(
        window_minutes=settings.incident_window_minutes,
        alpha=settings.incident_alpha,
        min_merchants=settings.incident_min_merchants,
        floor_per_hour=settings.incident_floor_per_hour,
        baseline_weeks=settings.incident_baseline_weeks,
        units_per_day=categories * (1 + detection.MAX_CLUSTERS),
    )


def active(session: Session, category: str) -> Incident | None:
    query = select(Incident).where(
        col(Incident.category) == category, col(Incident.status).in_(ACTIVE)
    )
    return session.exec(query).first()


def on_decided(session: Session, ticket: Ticket) -> int | None:
    """The webhook path, after a ticket's decision: join its category's active incident. One
    indexed read when there is none; detection itself runs from a worker's periodic pass."""
    if ticket.category is None or ticket.id is None:
        return None
    incident = active(session, ticket.category)
    if incident is not None and _matches(incident, ticket):
        join(session, incident, ticket)
        return incident.id
    return None


ACTIVE_KEYS = sa_select(col(Incident.active_key)).where(col(Incident.active_key).is_not(None))


def on_decided_many(
    session: Session, tickets: list[Ticket], active_keys: set[str] | None = None
) -> None:
    """`on_decided` for the new tickets of a webhook batch: one read of the active incidents of
    their categories (none while nothing is going on), then each matching ticket joins.
    `active_keys`: the result of `ACTIVE_KEYS` in this transaction, when the caller read it."""
    # Almost always there is no active incident: one index-only read of the active keys (the
    # categories of active incidents) answers that without building ORM objects.
    if active_keys is None:
        active_keys = {str(key) for key in session.connection().execute(ACTIVE_KEYS).scalars()}
    categories = {t.category for t in tickets if t.category is not None} & active_keys
    if not categories:
        return
    query = select(Incident).where(
        col(Incident.category).in_(categories), col(Incident.status).in_(ACTIVE)
    )
    by_category = {incident.category: incident for incident in session.exec(query).all()}
    for ticket in tickets:
        incident = by_category.get(ticket.category or "")
        if incident is not None and ticket.id is not None and _matches(incident, ticket):
            join(session, incident, ticket)


def _matches(incident: Incident, ticket: Ticket) -> bool:
    if incident.cluster is None:
        return True
    return incident.cluster in detection.salient_tokens(f"{ticket.subject}\n{ticket.body}")


def queue_detects(session: Session, now: datetime, every_seconds: float) -> int:
    """Queue one detect job per category that had arrivals since the last pass (two passes'
    worth, so a slow pass misses nothing); several workers queue each one once."""
    since = now - timedelta(seconds=2 * every_seconds)
    query = select(Ticket.category).where(col(Ticket.created_at) >= since).distinct()
    bucket = int(now.timestamp() // every_seconds)
    queued = 0
    for category in session.exec(query).all():
        if category is None:
            continue
        key = f"{TaskKind.INCIDENTS_DETECT}:{category}:{bucket}"
        payload = {"category": category}
        queue.enqueue_id(
            session, TaskKind.INCIDENTS_DETECT, ticket_id=None, payload=payload, dedupe_key=key
        )
        queued += 1
    return queued


def join(session: Session, incident: Incident, ticket: Ticket) -> bool:
    """Link a ticket to an incident, with its note and, once answered, its reply. False when
    the ticket was already in an incident."""
    assert incident.id is not None and ticket.id is not None
    values = {
        "incident_id": incident.id,
        "ticket_id": ticket.id,
        "merchant": merchant_of(ticket.organization_id, ticket.requester_id),
        "seen_at": ticket.created_at,
        "joined_at": utcnow(),
    }
    if insert_ignore_id(session, IncidentTicket, values, ["ticket_id"]) is None:
        return False
    key = f"{TaskKind.INCIDENTS_NOTE}:{incident.id}:{ticket.id}"
    payload = {"incident_id": incident.id, "ticket_id": ticket.id}
    queue.enqueue_id(
        session, TaskKind.INCIDENTS_NOTE, ticket_id=ticket.id, payload=payload, dedupe_key=key
    )
    if incident.answer_approved_at is not None:
        answers.send_to(session, incident, ticket)
    return True


@dataclass(frozen=True)
class Window:
    arrivals: list[Arrival]
    texts: dict[int, str]  # ticket id -> redacted subject and body, for the title


def _arrivals(session: Session, category: str, start: datetime, end: datetime) -> Window:
    columns = (Ticket.id, Ticket.created_at, Ticket.organization_id, Ticket.requester_id)
    query = (
        sa_select(*(col(c) for c in columns), col(Ticket.subject), col(Ticket.body))
        .where(col(Ticket.category) == category)
        .where(col(Ticket.created_at) >= start, col(Ticket.created_at) <= end)
        .order_by(col(Ticket.created_at))
        .limit(MAX_ROWS_PER_SPAN)
    )
    arrivals, texts = [], {}
    for row in session.connection().execute(query):
        ticket_id, at, org, requester, subject, body = tuple(row)
        text = f"{subject}\n{body}"
        texts[ticket_id] = text
        tokens = detection.salient_tokens(text)
        arrivals.append(Arrival(at, merchant_of(org, requester), tokens, ticket_id))
    return Window(arrivals, texts)


def _since(session: Session) -> datetime | None:
    return session.exec(select(func.min(Ticket.created_at))).one()


def detect(session: Session, category: str, now: datetime, settings: Settings) -> dict[str, Any]:
    """Test the category at `now`; open an incident when a unit spikes. Run by incidents.detect."""
    current = active(session, category)
    if current is not None:
        return {"active": current.id, "linked": sweep(session, current)}
    rules = rules_from(settings)
    window = _arrivals(session, category, now - timedelta(minutes=rules.window_minutes), now)
    history: list[Arrival] = []
    for start, end in detection.history_spans(now, rules):
        history += _arrivals(session, category, start, end - timedelta(microseconds=1)).arrivals
    findings = detection.find_spikes(now, window.arrivals, history, _since(session), rules)
    _record_bursts(session, category, now, findings[0], rules)
    spikes = [f for f in findings if f.verdict.spike]
    summary = {"category": category, "observed": findings[0].verdict.observed}
    if not spikes:
        return summary | {"spike": False}
    # The whole category when it spikes, else its most significant cluster.
    best = min(spikes, key=lambda f: (f.cluster is not None, f.verdict.p_value))
    incident = open_incident(session, category, best, window.texts, settings)
    return summary | {"spike": True, "incident_id": incident.id if incident else None}


def _record_bursts(
    session: Session, category: str, now: datetime, finding: Finding, rules: Rules
) -> None:
    """One merchant's flood: kept as a likely duplicate burst, once per window."""
    minutes = rules.window_minutes
    start = now.replace(second=0, microsecond=0)
    start -= timedelta(minutes=start.minute % minutes if minutes <= 60 else 0)
    for merchant in finding.verdict.duplicate_merchants:
        count = sum(1 for a in finding.arrivals if a.merchant == merchant)
        values = {
            "category": category,
            "merchant": merchant,
            "window_start": start,
            "ticket_count": count,
            "created_at": utcnow(),
        }
        insert_ignore_id(session, DuplicateBurst, values, ["category", "merchant", "window_start"])


def category_name(category: str, settings: Settings) -> str:
    """The taxonomy's name for a category ("Settlement delay")."""
    data = labels.taxonomy(settings.labels_dir).data or {}
    for raw in data.get("categories") or ():
        if isinstance(raw, dict) and raw.get("id") == category and raw.get("name"):
            return str(raw["name"])
    return category.replace("_", " ").capitalize()


def title_for(category: str, texts: list[str], settings: Settings) -> str:
    """The category's name and the terms most of its tickets share (redacted text only)."""
    terms = detection.title_terms(texts, limit=4)
    return f"{category_name(category, settings)}: {', '.join(terms) or 'many merchants'}"[:200]


def open_incident(
    session: Session, category: str, finding: Finding, texts: dict[int, str], settings: Settings
) -> Incident | None:
    """Open the category's incident and link the spike's tickets; None if one is already open."""
    route = routing_rules.load_routes(settings.labels_dir).for_category(category)
    verdict = finding.verdict
    values = {
        "category": category,
        "cluster": finding.cluster,
        "team": route.team or None,
        "title": title_for(category, [texts[a.ticket_id] for a in finding.arrivals], settings),
        "status": "open",
        "active_key": category,
        "first_seen": min(a.at for a in finding.arrivals),
        "opened_at": utcnow(),
        "observed": verdict.observed,
        "expected": verdict.expected,
        "p_value": verdict.p_value,
        "updated_at": utcnow(),
    }
    incident_id = insert_ignore_id(session, Incident, values, ["active_key"])
    if incident_id is None:
        return None
    incident = session.get(Incident, incident_id)
    assert incident is not None
    sweep(session, incident)
    _after_open(session, incident, settings)
    return incident


def _after_open(session: Session, incident: Incident, settings: Settings) -> None:
    assert incident.id is not None
    metrics.INCIDENTS_OPENED.labels(incident.category).inc()
    after = {"incident_id": incident.id, "category": incident.category, "title": incident.title}
    audit.record(session, "system", "incident.opened", None, None, after, incident.cluster)
    # Tickets whose requests were in flight while this opened are linked by a later sweep.
    key = f"{TaskKind.INCIDENTS_DETECT}:{incident.category}:sweep:{incident.id}"
    queue.enqueue_id(
        session,
        TaskKind.INCIDENTS_DETECT,
        ticket_id=None,
        payload={"category": incident.category},
        dedupe_key=key,
        delay_seconds=SWEEP_DELAY.total_seconds(),
    )
    answers.notify(session, incident, "opened", settings)


def sweep(session: Session, incident: Incident) -> int:
    """Link the category's tickets since the incident's first ticket that are in no incident."""
    linked = select(IncidentTicket.ticket_id)
    query = (
        select(Ticket)
        .where(col(Ticket.category) == incident.category)
        .where(col(Ticket.created_at) >= incident.first_seen)
        .where(col(Ticket.id).not_in(linked))
        .order_by(col(Ticket.id))
        .limit(MAX_ROWS_PER_SPAN)
    )
    tickets = [t for t in session.exec(query).all() if _matches(incident, t)]
    return sum(join(session, incident, ticket) for ticket in tickets)
