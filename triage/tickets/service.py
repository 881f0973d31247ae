"""Store a redacted ticket event exactly once: the delivery (the idempotency lock), the ticket
and its comments. Deciding what happens next is the ingest flow's job (`triage.flows`).

Callers pass events that already went through `flows.redact`; nothing here ever sees raw text.
The caller owns the transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, select

from triage.db.engine import utcnow
from triage.db.statements import (
    detached,
    insert_ignore_id,
    insert_ignore_many,
    insert_row,
    update_row,
    update_rows,
)
from triage.tickets.models import Comment, Delivery, Ticket, TicketEvent, TicketStatus


@dataclass(frozen=True)
class Stored:
    """What storing one event did: its ticket (None only for an unlinked duplicate), whether the
    delivery was seen before, and whether this event created the ticket."""

    ticket: Ticket | None
    duplicate: bool
    created: bool = False


DELIVERY_KEY = ["source", "delivery_id"]
TICKET_KEY = ["source", "external_id"]


def store(session: Session, event: TicketEvent) -> Stored:
    """Store the event once; a redelivery returns the ticket its first delivery stored.

    Core statements with cached compiled forms and RETURNING: no ORM objects or flushes on the
    path every webhook takes. The delivery row goes in first: it is the idempotency lock.
    """
    delivery_id = insert_ignore_id(session, Delivery, delivery_values(event), DELIVERY_KEY)
    if delivery_id is None:
        return Stored(delivered_ticket(session, event), duplicate=True)
    return attach(session, event, delivery_id)


def attach(session: Session, event: TicketEvent, delivery_id: int) -> Stored:
    """Store a claimed delivery's event on its ticket, creating the ticket if it is new."""
    ticket, created = _upsert_ticket(session, event)
    if event.kind == "comment" and event.comment:
        _add_comment(session, ticket, event)
    update_row(session, Delivery, delivery_id, {"ticket_id": ticket.id})
    return Stored(ticket, duplicate=False, created=created)


def claim_deliveries(session: Session, events: list[TicketEvent]) -> list[int | None]:
    """`store`'s idempotency lock for many events in one statement: each event's new delivery
    row id, or None where the delivery was seen before. Events must have distinct keys."""
    # In key order, so that two processes inserting overlapping batches lock rows in the same
    # order and wait for each other instead of deadlocking.
    values = sorted((delivery_values(e) for e in events), key=delivery_key)
    rows = insert_ignore_many(session, Delivery, values, DELIVERY_KEY, ("id", *DELIVERY_KEY))
    claimed = {(row.source, row.delivery_id): int(row.id) for row in rows}
    return [claimed.get((e.source, e.delivery_id)) for e in events]


def create_tickets(session: Session, values: list[dict[str, Any]]) -> list[Ticket | None]:
    """Insert new tickets (rows from `new_ticket_values`, possibly with their decided state) in
    one statement; each as a detached copy of its row, or None where the ticket exists."""
    ordered = sorted(values, key=ticket_key)  # lock order, as in claim_deliveries
    rows = insert_ignore_many(session, Ticket, ordered, TICKET_KEY, ("id", *TICKET_KEY))
    ids = {(row.source, row.external_id): int(row.id) for row in rows}
    created = [ids.get((v["source"], v["external_id"])) for v in values]
    return [None if i is None else row_copy(i, v) for i, v in zip(created, values, strict=True)]


def row_copy(ticket_id: int, values: dict[str, Any]) -> Ticket:
    """A detached Ticket holding a row this transaction just inserted (see `detached`)."""
    return detached(Ticket, {**values, "id": ticket_id})


def link_deliveries(session: Session, links: list[tuple[int, int]]) -> None:
    """Point each (delivery row id, ticket id) delivery at its ticket, in one executemany."""
    update_rows(session, Delivery, [{"row_id": d, "ticket_id": t} for d, t in links])


def delivery_key(values: dict[str, Any]) -> tuple[str, str]:
    return values["source"], values["delivery_id"]


def ticket_key(values: dict[str, Any]) -> tuple[str, str]:
    return values["source"], values["external_id"]


def delivery_values(event: TicketEvent) -> dict[str, Any]:
    return {
        "source": event.source,
        "delivery_id": event.delivery_id,
        "event_type": event.kind,
        "received_at": utcnow(),
    }


def delivered_ticket(session: Session, event: TicketEvent) -> Ticket | None:
    query = select(Delivery.ticket_id).where(
        Delivery.source == event.source, Delivery.delivery_id == event.delivery_id
    )
    ticket_id = session.exec(query).one()
    return session.get(Ticket, ticket_id) if ticket_id is not None else None


def new_ticket_values(event: TicketEvent) -> dict[str, Any]:
    """The row a new ticket starts as, before any decision."""
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
        "status": TicketStatus.NEW,
        "external_updated_at": event.updated_at,
        "redaction_summary": event.summary,
        "created_at": now,
        "updated_at": now,
    }


def _upsert_ticket(session: Session, event: TicketEvent) -> tuple[Ticket, bool]:
    """The ticket and whether this event created it; a new one is a detached copy of the row."""
    values = new_ticket_values(event)
    ticket_id = insert_ignore_id(session, Ticket, values, TICKET_KEY)
    if ticket_id is not None:
        return row_copy(ticket_id, values), True
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
