"""A running app on the test database with three users: two analysts on different teams, a lead."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from tests.review.factories import make_ticket, make_user
from triage.config import Settings
from triage.main import create_app
from triage.tickets.models import Reply


@dataclass
class World:
    settlements: str  # analyst on the settlements team
    disputes: str  # analyst on the disputes team
    lead: str
    own: int  # a settlements ticket in review
    other: int  # a disputes ticket in review
    other_reply: int  # the draft reply of that disputes ticket


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    # Not entered as a context manager: the lifespan's model loading is not what these test.
    yield TestClient(create_app(), follow_redirects=False)


@pytest.fixture
def world(session: Session) -> World:
    tokens = {
        "settlements": make_user(session, "sam@psp.example", "analyst", ["settlements"]),
        "disputes": make_user(session, "dana@psp.example", "analyst", ["disputes"]),
        "lead": make_user(session, "lee@psp.example", "lead", []),
    }
    session.commit()
    own = make_ticket(session, "1001", "settlement_delay")
    other = make_ticket(session, "2001", "chargeback_dispute", subject="Dispute deadline")
    assert own.id is not None and other.id is not None
    reply = session.exec(select(Reply).where(Reply.ticket_id == other.id)).one()
    assert reply.id is not None
    return World(
        tokens["settlements"], tokens["disputes"], tokens["lead"], own.id, other.id, reply.id
    )
