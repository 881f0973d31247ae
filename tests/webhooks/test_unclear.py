"""Tickets that name no problem land in review as unclear, through the real webhook and database.

The texts are written here, apart from labels/data and the golden set, so the test also checks
that the model generalises to vague messages it was not trained on.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from tests import signing
from tests.webhooks.test_api import post_zendesk
from triage.config import Settings
from triage.main import create_app
from triage.tickets.models import Decision, Ticket

VAGUE = [
    ("Hello", "hi\n\ncan someone look at my account"),
    ("Automatic reply: Re: ticket", "I'm out of the office until Tuesday with no email access."),
    ("Call back", "Could someone ring me this afternoon? - Sami, corner bakery"),
    ("Thanks!", "Thank you all, much appreciated."),
    (
        "Our autumn newsletter",
        "New arrivals, a tasting evening and 15% off for members. Unsubscribe.",
    ),
    ("Bonjour", "Bonjour, pourriez-vous me rappeler demain matin ?"),
]


@pytest.fixture
def client(settings: Settings, active_model: str) -> Iterator[TestClient]:
    with TestClient(create_app()) as c:
        yield c


@pytest.mark.parametrize(("subject", "body"), VAGUE)
def test_vague_ticket_goes_to_review_as_unclear_never_urgent(
    client: TestClient, session: Session, subject: str, body: str
) -> None:
    number = 7000 + VAGUE.index((subject, body))
    response = post_zendesk(client, signing.zendesk_event(number, subject, body))
    assert response.status_code == 202, response.text
    ticket = session.get(Ticket, response.json()["ticket_id"])
    assert ticket is not None
    assert (ticket.route, ticket.category, ticket.team) == ("review", "unclear", "support_review")
    assert ticket.priority == "normal"
    decision = session.exec(select(Decision).where(Decision.ticket_id == ticket.id)).one()
    assert decision.reasons["why_review"].startswith("unclear:")


def test_a_real_fraud_report_still_goes_to_risk(client: TestClient, session: Session) -> None:
    body = (
        "Hundreds of $1 authorizations in the last hour from random cards: card testing. Block it!"
    )
    response = post_zendesk(client, signing.zendesk_event(7100, "Card testing attack", body))
    ticket = session.get(Ticket, response.json()["ticket_id"])
    assert ticket is not None and ticket.category == "fraud_risk" and ticket.team == "risk"
