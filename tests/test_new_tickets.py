"""A batch of new tickets on PostgreSQL goes in one pipeline (triage.new_tickets); whatever path a
batch takes, it stores what the general flow stores, and an event that is not new after all
sends the batch back to the general flow without losing or doubling anything."""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlmodel import Session, func, select

from tests.test_flows import _event, assert_same_rows
from triage import flows, new_tickets
from triage.audit.models import AuditEvent
from triage.config import Settings
from triage.db.engine import utcnow
from triage.incidents.models import Incident, IncidentTicket
from triage.jobs.models import Job
from triage.tickets.models import Decision, Delivery, Ticket, TicketEvent
from triage.webhooks import writer


def _count(session: Session, model: type) -> int:
    return int(session.exec(select(func.count()).select_from(model)).one())


def _pipelined(session: Session, settings: Settings, events: list[TicketEvent]) -> bool:
    """Whether the batch qualifies for the pipeline: on PostgreSQL only."""
    applies = new_tickets.applies(session, events, settings)
    assert applies is (session.get_bind().dialect.name == "postgresql")
    return applies


def test_a_batch_of_new_tickets_stores_what_one_event_at_a_time_stores(
    settings: Settings, session: Session, active_model: str
) -> None:
    events = [_event(n, f"b-{n}") for n in range(5)]
    _pipelined(session, settings, events)
    batched = writer.ingest_batch(session, events, settings)
    alone = [
        flows.ingest(session, _event(n, f"o-{n}", source="servicenow"), settings) for n in range(5)
    ]
    session.commit()

    assert [(r.category, r.route, r.decided, r.duplicate) for r in batched] == [
        (r.category, r.route, r.decided, r.duplicate) for r in alone
    ]
    stored = session.exec(select(Ticket.id).where(Ticket.source == "zendesk")).all()
    assert sorted(stored) == sorted(r.ticket_id for r in batched)
    assert_same_rows(session, "zendesk", "servicenow")
    # Each task and audit event names its own ticket's decision.
    decisions = {d.ticket_id: d.id for d in session.exec(select(Decision)).all()}
    for job in session.exec(select(Job)).all():
        assert job.payload["decision_id"] == decisions[job.ticket_id]
    routed = session.exec(select(AuditEvent).where(AuditEvent.action == "ticket.routed")).all()
    assert len(routed) == len(decisions)
    for audit in routed:
        assert audit.after["decision_id"] == decisions[audit.ticket_id]


def test_a_redelivery_in_a_batch_of_new_tickets_is_still_one_ticket(
    settings: Settings, session: Session, active_model: str
) -> None:
    writer.ingest_batch(session, [_event(1, "d-1")], settings)
    session.commit()
    batch = [_event(2, "d-2"), _event(1, "d-1"), _event(3, "d-3")]
    _pipelined(session, settings, batch)

    results = writer.ingest_batch(session, batch, settings)
    session.commit()

    outcomes = [(r.duplicate, r.decided) for r in results]
    assert outcomes == [(False, True), (True, False), (False, True)]
    assert (_count(session, Ticket), _count(session, Delivery), _count(session, Decision)) == (
        3,
        3,
        3,
    )
    assert _count(session, Job) == 3


def test_a_ticket_stored_meanwhile_under_another_delivery_is_not_decided_twice(
    settings: Settings, session: Session, active_model: str
) -> None:
    (first,) = writer.ingest_batch(session, [_event(1, "d-1")], settings)
    session.commit()
    # The same ticket's creation, delivered again under a new delivery id, beside a new one.
    batch = [_event(2, "d-2"), _event(1, "d-1-again")]
    _pipelined(session, settings, batch)

    results = writer.ingest_batch(session, batch, settings)
    session.commit()

    assert results[1].ticket_id == first.ticket_id and not results[1].decided
    assert results[0].decided
    assert (_count(session, Ticket), _count(session, Delivery), _count(session, Decision)) == (
        2,
        3,
        2,
    )


@pytest.mark.parametrize("path", ["general flow", "writer"])
def test_new_tickets_of_a_batch_join_the_open_incident_of_their_category(
    settings: Settings, session: Session, active_model: str, path: str
) -> None:
    """The same for a batch the general flow writes and for one the writer sends down the
    pipeline (on PostgreSQL): every new ticket joins the incident, and each gets its note."""
    ingest_batch = flows.ingest_batch if path == "general flow" else writer.ingest_batch
    (probe,) = ingest_batch(session, [_event(0, "probe")], settings)
    session.commit()
    assert probe.category is not None
    incident = Incident(
        category=probe.category,
        title="Settlement delay",
        active_key=probe.category,
        first_seen=utcnow(),
    )
    session.add(incident)
    session.commit()
    batch = [_event(n, f"spike-{n}") for n in range(4, 16, 4)]  # the same text as the probe
    if path == "writer":
        _pipelined(session, settings, batch)

    results = ingest_batch(session, batch, settings)
    session.commit()

    joined = session.exec(select(IncidentTicket.ticket_id)).all()
    assert sorted(joined) == sorted(r.ticket_id for r in results)
    notes = session.exec(select(Job).where(Job.kind == "incidents.note")).all()
    assert len(notes) == len(batch)


def test_text_and_json_columns_round_trip_exactly(
    settings: Settings, session: Session, active_model: str
) -> None:
    # The pipeline sends each table's rows as one JSON document: escapes, non-ASCII text, an
    # emoji (a surrogate pair in JSON) and control characters must come back as they went in.
    subject = 'Zahlung über 249 € nicht angekommen 😀 "quoted" back\\slash'
    body = "Línea uno\nline two\ttabbed \u2028 separator, 日本語のテキスト, 'single' \\n literal"
    events = [
        flows.redact(TicketEvent("zendesk", f"t-{n}", "created", str(n), subject, body))
        for n in range(3)
    ]
    events = [replace(e, tags=("vip", "zahlung-über", 'a"b')) for e in events]
    _pipelined(session, settings, events)

    results = writer.ingest_batch(session, events, settings)
    session.commit()

    for result in results:
        ticket = session.get(Ticket, result.ticket_id)
        assert ticket is not None
        assert (ticket.subject, ticket.body) == (events[0].subject, events[0].body)
        assert ticket.tags == ["vip", "zahlung-über", 'a"b']
        assert ticket.redaction_summary == events[0].summary
