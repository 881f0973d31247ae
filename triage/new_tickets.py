"""The ingest flow for a batch of new tickets on PostgreSQL, in two round trips.

`flows.ingest_batch` writes a batch of new tickets with one statement per table, but each waits
for the one before (the ticket ids for the decisions, the decision ids for the audit events and
tasks): about eleven round trips per batch, each a hand-off between processes that a loaded
machine schedules late, all on the path every acknowledgement waits for. Here the ids of the
tickets and their decisions are taken from the sequences first (a hundred or so at a time, kept
by the process for the next batches), so every row is known before anything is written:

1. BEGIN, tickets, deliveries, decisions, audit events, tasks, draft replies and the active
   incidents' categories, in one pipeline;
2. COMMIT (the caller's).

It is optimistic: it expects every event to be a new ticket and a new delivery, as a flood of
new tickets is. When one is not (a redelivery, a ticket stored meanwhile by another process)
it raises `NotAllNew`, before anything is committed; the caller rolls back and writes the batch
with `flows.ingest_batch`, which handles every case.

`prepare` (judging, drafting, building the rows) and `write` (the round trips) are apart so
that the batch writer can prepare one batch while the one before it waits on PostgreSQL.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, fields
from typing import Any

import psycopg
from sqlmodel import Session

from triage import flows
from triage.audit.models import AuditEvent
from triage.classify import shadow
from triage.config import Settings
from triage.db import pipeline
from triage.incidents import service as incidents
from triage.jobs.models import Job
from triage.review import replies
from triage.routing import policy, rules
from triage.routing import service as routing
from triage.tickets import service as tickets
from triage.tickets.models import Decision, Delivery, Reply, Ticket, TicketEvent


class NotAllNew(Exception):
    """Some event of the batch is not a new ticket with a new delivery; nothing was kept."""


def applies(session: Session, events: list[TicketEvent], settings: Settings) -> bool:
    """Whether this path can take the batch: PostgreSQL, only ticket creations, each ticket and
    delivery once, and no shadow model (whose predictions `flows.ingest_batch` records)."""
    if session.get_bind().dialect.name != "postgresql":
        return False
    if any(event.kind != "created" for event in events) or not flows.distinct(events):
        return False
    return not settings.shadow_enabled or shadow.shadow_model(session) is None


@dataclass(frozen=True)
class Plan:
    """Batches judged and turned into rows, ready to send. `prepare` is all CPU (but for a key
    refill now and then), so the batch writer runs it while earlier batches wait on the
    database; plans prepared meanwhile are then sent together (`+`), one statement per table."""

    decided: list[tuple[Ticket, policy.RouteDecision]]
    tickets: list[dict[str, Any]]
    deliveries: list[dict[str, Any]]
    decisions: list[dict[str, Any]]
    audit_events: list[dict[str, Any]]
    jobs: list[dict[str, Any]]
    replies: list[dict[str, Any]]

    def __add__(self, other: Plan) -> Plan:
        return Plan(*(getattr(self, f.name) + getattr(other, f.name) for f in fields(Plan)))


def prepare(session: Session, events: list[TicketEvent], settings: Settings) -> Plan:
    """Judge every event of the batch as a new ticket and build the rows it writes."""
    ticket_ids, decision_ids = _id_pool(session).take(session, len(events))
    values = [tickets.new_ticket_values(event) for event in events]
    routes = rules.load_routes(settings.labels_dir)
    judged = [flows.judge(session, v["subject"], v["body"], settings, routes) for v in values]
    new = [v | routing.decided_state(j[0]) for v, j in zip(values, judged, strict=True)]
    decided = [
        (tickets.row_copy(ticket_id, row), decision)
        for ticket_id, row, (decision, _p, _t) in zip(ticket_ids, new, judged, strict=True)
    ]
    rows = routing.new_rows(decided, decision_ids)
    drafts = [
        (ticket, r.template_id, decision.slots)
        for (ticket, decision), r in zip(decided, rows.recorded, strict=True)
        if r.template_id is not None
    ]
    return Plan(
        decided,
        [row | {"id": i} for row, i in zip(new, ticket_ids, strict=True)],
        [
            tickets.delivery_values(event) | {"ticket_id": ticket_id}
            for event, ticket_id in zip(events, ticket_ids, strict=True)
        ],
        rows.decisions,
        rows.audit_events,
        rows.jobs,
        replies.draft_rows(drafts),
    )


def write(session: Session, plan: Plan) -> list[flows.IngestResult]:
    """Send a prepared batch in one pipeline and join its tickets to the open incidents; the
    caller commits. Raises `NotAllNew`, with nothing kept, when an event was not new after all
    (a batch written since it was prepared may have stored its ticket)."""
    stored = _send(session, _statements(plan), len(plan.decided))
    _join_incidents(session, plan.decided, {str(key) for (key,) in stored[-1]})
    return [_result(ticket) for ticket, _decision in plan.decided]


def _statements(plan: Plan) -> list[pipeline.Insert | pipeline.Read]:
    return [
        # Tickets before their deliveries, which point at them; both in key order, so that two
        # processes writing overlapping batches wait for each other rather than deadlock.
        pipeline.Insert(
            Ticket,
            sorted(plan.tickets, key=tickets.ticket_key),
            tuple(tickets.TICKET_KEY),
            ("id",),
        ),
        pipeline.Insert(
            Delivery,
            sorted(plan.deliveries, key=tickets.delivery_key),
            tuple(tickets.DELIVERY_KEY),
            ("id",),
        ),
        pipeline.Insert(Decision, plan.decisions),
        pipeline.Insert(AuditEvent, plan.audit_events),
        pipeline.Insert(Job, plan.jobs, ("dedupe_key",)),
        pipeline.Insert(Reply, plan.replies, ("ticket_id",)),
        pipeline.Read(incidents.ACTIVE_KEYS),
    ]


# Enough keys for several batches per refill; what a stopped process had left is a gap.
ID_POOL_SIZE = 128
_POOLS: dict[str, pipeline.IdPool] = {}
_POOLS_LOCK = threading.Lock()


def _id_pool(session: Session) -> pipeline.IdPool:
    """The keys this process has taken ahead for the database of `session`."""
    key = str(session.get_bind().engine.url)
    with _POOLS_LOCK:
        if key not in _POOLS:
            _POOLS[key] = pipeline.IdPool((Ticket, Decision), ID_POOL_SIZE)
        return _POOLS[key]


def _send(
    session: Session, statements: list[pipeline.Insert | pipeline.Read], n: int
) -> list[list[tuple[object, ...]]]:
    try:
        stored = pipeline.run(session, statements)
    except psycopg.errors.IntegrityError:
        # A ticket that exists already: its decision's row refers to a ticket that was not
        # inserted. Reported by type only: the error quotes the row (ticket text).
        raise NotAllNew("a ticket of the batch exists") from None
    if len(stored[0]) != n or len(stored[1]) != n:
        raise NotAllNew("a ticket or delivery of the batch exists")
    return stored


def _join_incidents(
    session: Session, decided: list[tuple[Ticket, policy.RouteDecision]], active: set[str]
) -> None:
    routed = [ticket for ticket, decision in decided if decision.route != "llm_pending"]
    incidents.on_decided_many(session, routed, active)


def _result(ticket: Ticket) -> flows.IngestResult:
    assert ticket.id is not None
    return flows.IngestResult(
        ticket.id, False, ticket.category, ticket.confidence, ticket.route, decided=True
    )
