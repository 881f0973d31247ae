"""Helpers shared by the write-back and job tests: configure, seed a routed ticket, run jobs."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlmodel import Session, select

from tests.fakes import servicenow as fake_sn
from tests.fakes import zendesk as fake_zd
from triage import flows
from triage.config import Settings, get_settings
from triage.jobs import queue
from triage.jobs.models import Job
from triage.routing import policy, rules
from triage.tickets.models import Decision, Ticket

LABELS = Path(__file__).parents[1] / "routing" / "labels"
CATEGORY_FIELD_ID = 360000777


@dataclass(frozen=True)
class Pred:
    category: str = "settlement_delay"
    confidence: float = 0.91
    threshold: float | None = 0.83
    top: list[tuple[str, float]] = field(default_factory=lambda: [("settlement_delay", 0.91)])
    model_version: str = "m-2026-11-20-a1b2"


def configure(monkeypatch: pytest.MonkeyPatch, **env: object) -> Settings:
    """Set TRIAGE_<NAME> variables on top of the `settings` fixture, as an operator would."""
    base: dict[str, object] = {
        "labels_dir": LABELS,
        "job_backoff_base_seconds": 0.05,
        "writeback_timeout_seconds": 3,
    }
    for name, value in (base | env).items():
        monkeypatch.setenv(f"TRIAGE_{name.upper()}", str(value))
    get_settings.cache_clear()
    return get_settings()


def zendesk_env(fake: fake_zd.FakeZendesk, **extra: object) -> dict[str, object]:
    return {
        "zendesk_base_url": fake.base_url,
        "zendesk_email": fake_zd.EMAIL,
        "zendesk_api_token": fake_zd.API_TOKEN,
        "zendesk_category_field_id": CATEGORY_FIELD_ID,
    } | extra


def servicenow_env(fake: fake_sn.FakeServiceNow, bearer: bool = False) -> dict[str, object]:
    if bearer:
        return {"servicenow_base_url": fake.base_url, "servicenow_bearer_token": fake_sn.BEARER}
    return {
        "servicenow_base_url": fake.base_url,
        "servicenow_username": fake_sn.USERNAME,
        "servicenow_password": fake_sn.PASSWORD,
    }


def routed_ticket(
    session: Session,
    source: str,
    external_id: str,
    prediction: Pred | None = None,
    commit: bool = True,
) -> tuple[Ticket, Decision, Job]:
    """A ticket as the webhook leaves it: stored, decided, its follow-up job queued."""
    ticket = Ticket(
        source=source,
        external_id=external_id,
        external_table="incident" if source == "servicenow" else None,
        external_number=f"INC{external_id[-7:]}" if source == "servicenow" else external_id,
        subject="Settlement for Friday not received",
        body="Our deposit for batch 7781 never arrived at the bank.",
    )
    session.add(ticket)
    session.flush()
    routes = rules.load_routes(get_settings().labels_dir)
    decision = policy.decide_from_classifier(prediction or Pred(), False, routes)
    row = session.get(Decision, flows.apply_decision(session, ticket, decision))
    assert row is not None
    if commit:
        session.commit()
    job = session.exec(select(Job).where(Job.ticket_id == ticket.id)).one()
    return ticket, row, job


def ident(row: Job | Decision | Ticket) -> int:
    assert row.id is not None
    return row.id


def job(session: Session, job_id: int | None) -> Job:
    found = session.get(Job, job_id, populate_existing=True)
    assert found is not None
    return found


def poll(condition: Callable[[], bool], timeout: float = 15.0, step: float = 0.05) -> bool:
    """Bounded polling: re-check a condition until it holds or the deadline passes."""
    deadline = time.monotonic() + timeout
    pause = threading.Event()
    while not condition():
        if time.monotonic() > deadline:
            return False
        pause.wait(step)
    return True


def many_routed_tickets(session: Session, first_id: int, n: int) -> list[int]:
    """n auto-routed Zendesk tickets with their decisions and writeback jobs, inserted in bulk."""
    tickets = [
        Ticket(source="zendesk", external_id=str(first_id + i), subject="Deposit missing")
        for i in range(n)
    ]
    session.add_all(tickets)
    session.flush()
    decisions = [
        Decision(ticket_id=t.id, stage="classifier", category="settlement_delay", route="auto")
        for t in tickets
        if t.id is not None
    ]
    session.add_all(decisions)
    session.flush()
    for decision in decisions:
        payload = {"ticket_id": decision.ticket_id, "decision_id": decision.id}
        key = f"writeback.note:{decision.ticket_id}"
        queue.enqueue(
            session, "writeback.note", ticket_id=decision.ticket_id, payload=payload, dedupe_key=key
        )
    session.commit()
    return [first_id + i for i in range(n)]
