"""Tickets as the webhook leaves them (stored, decided through the flow), at chosen times."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import Session, col, func, select

from tests.writeback import scenario
from triage import flows
from triage.auth import service as auth
from triage.auth.models import User
from triage.config import Settings, get_settings
from triage.db.engine import utcnow
from triage.incidents import service
from triage.incidents.models import Incident, IncidentTicket
from triage.jobs.models import Job
from triage.jobs.worker import Worker
from triage.routing import policy, rules
from triage.tickets.models import Ticket

LABELS = Path(__file__).parents[2] / "labels"
TEXTS = [
    "Settlement for 2026-12-04 not received, batch still pending",
    "Hallo, unsere Auszahlung vom 2026-12-04 ist noch nicht da. Settlement fehlt.",
    "Hola, el settlement del 2026-12-04 no ha llegado a nuestra cuenta",
    "Bonjour, le settlement du 2026-12-04 n'est toujours pas arrivé sur notre compte",
    "where is our money?? settlement 2026-12-04 missing",
]


def configure(monkeypatch: pytest.MonkeyPatch, **env: object) -> Settings:
    return scenario.configure(monkeypatch, labels_dir=LABELS, **env)


def decided(
    session: Session,
    external_id: str,
    merchant: str,
    at: datetime | None = None,
    category: str = "settlement_delay",
    source: str = "zendesk",
    text: str | None = None,
    confidence: float = 0.95,
    subject: str = "Settlement missing",
) -> Ticket:
    """A stored ticket decided through flows.apply_decision, as the webhook path does it."""
    number = int(external_id) if external_id.isdigit() else int(external_id, 16)
    body = text or TEXTS[number % len(TEXTS)]
    ticket = Ticket(
        source=source,
        external_id=external_id,
        external_table="incident" if source == "servicenow" else None,
        external_number=f"INC{external_id}" if source == "servicenow" else external_id,
        subject=subject,
        body=body,
        organization_id=merchant,
    )
    if at is not None:
        ticket.created_at = at
    session.add(ticket)
    session.flush()
    routes = rules.load_routes(get_settings().labels_dir)
    pred = scenario.Pred(category=category, confidence=confidence, top=[(category, confidence)])
    flows.apply_decision(session, ticket, policy.decide_from_classifier(pred, False, routes))
    return ticket


def incidents(session: Session) -> list[Incident]:
    session.expire_all()
    return list(session.exec(select(Incident).order_by(col(Incident.id))).all())


def linked(session: Session, incident_id: int | None) -> int:
    query = select(func.count()).where(IncidentTicket.incident_id == incident_id)
    return int(session.exec(query).one())


def jobs(session: Session, kind: str) -> list[Job]:
    session.expire_all()
    return list(session.exec(select(Job).where(Job.kind == kind).order_by(col(Job.id))).all())


def user(session: Session, email: str, role: str, teams: list[str]) -> User:
    created, _ = auth.create_user(session, email, role, teams, actor="test")
    session.commit()
    return created


def open_incident(session: Session, settings: Settings, n: int, first_id: int) -> Incident:
    """n tickets of n merchants in the last minutes, and the incident the detect task opens."""
    now = utcnow()
    for i in range(n):
        decided(session, str(first_id + i), f"m{first_id + i}", at=now - timedelta(seconds=n - i))
    result = service.detect(session, "settlement_delay", now, settings)
    session.commit()
    incident = session.get(Incident, result["incident_id"])
    assert incident is not None and linked(session, incident.id) == n
    return incident


def drain(worker_id: str = "w-test") -> int:
    """Run due jobs in this process until none is left; how many ran."""
    worker, ran = Worker(worker_id), 0
    while worker.run_once():
        ran += 1
    return ran
