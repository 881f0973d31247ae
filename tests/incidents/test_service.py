"""Incidents in the database: detection from stored tickets, joining in the decision's
transaction, duplicate bursts, and the detect task run by a worker."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
from sqlmodel import Session, select

from tests.incidents import helpers, simulation
from tests.incidents.helpers import decided
from triage.audit.models import AuditEvent
from triage.db.engine import utcnow
from triage.incidents import service
from triage.incidents.models import DuplicateBurst, IncidentTicket
from triage.jobs.worker import Worker

BURST_START = simulation.START + timedelta(days=14, hours=10, minutes=3)


def _quiet_fortnight(session: Session) -> int:
    """Two weeks of an ordinary settlement_delay stream (day/night), stored as tickets."""
    rng = random.Random(21)
    stream = simulation.steady(rng, "settlement_delay", 5.0, simulation.START, 14)
    count = 0
    for n, t in enumerate(stream):
        decided(session, str(10_000 + n), t.merchant, at=t.at)
        count += 1
    session.commit()
    return count


def test_stored_burst_after_a_quiet_fortnight_opens_one_incident_within_five_minutes(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = helpers.configure(monkeypatch)
    assert _quiet_fortnight(session) > 500
    rng = random.Random(4)
    burst = simulation.burst(rng, "settlement_delay", BURST_START, 60, 40, 20)
    opened_at = None
    for n, t in enumerate(burst):
        ticket = decided(session, str(50_000 + n), t.merchant, at=t.at)
        # What the detect task does for this ticket's minute, at the ticket's own time.
        result = service.detect(session, "settlement_delay", t.at, settings)
        session.commit()
        if result.get("incident_id") and opened_at is None:
            opened_at = ticket.created_at

    (incident,) = helpers.incidents(session)
    assert opened_at is not None and opened_at - BURST_START <= timedelta(minutes=5)
    assert incident.category == "settlement_delay" and incident.team == "settlements"
    assert incident.title.startswith("Settlement delay: ") and "2026-12-04" in incident.title
    assert helpers.linked(session, incident.id) == 60  # the window's, then every later one
    links = session.exec(select(IncidentTicket).where(IncidentTicket.incident_id == incident.id))
    assert len({link.merchant for link in links}) == 40


def test_tickets_join_the_open_incident_in_their_decisions_transaction(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = helpers.configure(monkeypatch)
    now = utcnow()
    for n in range(12):
        decided(session, str(100 + n), f"m{n}", at=now - timedelta(minutes=3))
    assert service.detect(session, "settlement_delay", now, settings)["spike"]
    session.commit()
    (incident,) = helpers.incidents(session)

    late = decided(session, "200", "m-late")
    session.rollback()  # the delivery failed: no link, no note job without the ticket
    assert helpers.linked(session, incident.id) == 12
    late = decided(session, "201", "m-late")
    in_review = decided(session, "202", "m-review", confidence=0.2)
    session.commit()

    assert in_review.status == "in_review"
    assert helpers.linked(session, incident.id) == 14
    notes = helpers.jobs(session, "incidents.note")
    assert {j.payload["ticket_id"] for j in notes} >= {late.id, in_review.id}
    other = decided(session, "203", "m-other", category="fraud_risk")
    session.commit()
    query = select(IncidentTicket).where(IncidentTicket.ticket_id == other.id)
    assert session.exec(query).all() == []


def test_one_merchants_flood_is_a_duplicate_burst_not_an_incident(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = helpers.configure(monkeypatch)
    now = utcnow()
    for n in range(40):
        decided(session, str(300 + n), "m-flood", at=now - timedelta(seconds=n * 5))
    result = service.detect(session, "settlement_delay", now, settings)
    session.commit()

    assert result["spike"] is False and helpers.incidents(session) == []
    (burst,) = session.exec(select(DuplicateBurst)).all()
    assert (burst.merchant, burst.ticket_count) == ("m-flood", 40)
    assert burst.category == "settlement_delay"


def test_a_workers_periodic_pass_queues_detection_off_the_webhook_path(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    helpers.configure(monkeypatch)
    for n in range(15):
        decided(session, str(400 + n), f"m{n}")
    session.commit()
    # The requests queued nothing for detection and opened nothing.
    assert helpers.jobs(session, "incidents.detect") == [] and helpers.incidents(session) == []

    worker = Worker("w-detect")
    assert worker.run_passes_when_due() == 1  # settlement_delay had arrivals
    assert worker.run_passes_when_due() == 0  # not due again yet
    # Another worker's pass in the same period queues the same job, not a second one.
    now = utcnow()
    for _ in range(2):
        service.queue_detects(session, now, 3600.0)
    session.commit()
    assert len(helpers.jobs(session, "incidents.detect")) == 2
    helpers.drain()

    (incident,) = helpers.incidents(session)
    assert incident.status == "open" and helpers.linked(session, incident.id) == 15
    actions = session.exec(select(AuditEvent.action)).all()
    assert "incident.opened" in actions
    assert len(helpers.jobs(session, "incidents.note")) == 15
