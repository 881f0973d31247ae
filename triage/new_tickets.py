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
"""

from __future__ import annotations

import threading

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


def ingest(
    session: Session, events: list[TicketEvent], settings: Settings
) -> list[flows.IngestResult]:
    """Store, decide and follow up every event of the batch as a new ticket."""
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
    deliveries = [
        tickets.delivery_values(event) | {"ticket_id": ticket_id}
        for event, ticket_id in zip(events, ticket_ids, strict=True)
    ]
    statements: list[pipeline.Insert | pipeline.Read] = [
        # Tickets before their deliveries, which point at them; both in key order, so that two
        # processes writing overlapping batches wait for each other rather than deadlock.
        pipeline.Insert(
            Ticket,
            sorted(
                (row | {"id": i} for row, i in zip(new, ticket_ids, strict=True)),
                key=tickets.ticket_key,
            ),
            tuple(tickets.TICKET_KEY),
            ("id",),
        ),
        pipeline.Insert(
            Delivery,
            sorted(deliveries, key=tickets.delivery_key),
            tuple(tickets.DELIVERY_KEY),
            ("id",),
        ),
        pipeline.Insert(Decision, rows.decisions),
        pipeline.Insert(AuditEvent, rows.audit_events),
        pipeline.Insert(Job, rows.jobs, ("dedupe_key",)),
        pipeline.Insert(Reply, replies.draft_rows(drafts), ("ticket_id",)),
        pipeline.Read(incidents.ACTIVE_KEYS),
    ]
    stored = _send(session, statements, len(events))
    _join_incidents(session, decided, {str(key) for (key,) in stored[-1]})
    return [_result(ticket) for ticket, _decision in decided]


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
