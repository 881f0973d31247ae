"""Moving a ticket to another team's queue can be undone from the confirmation, by the analyst
who moved it and only then; a correction within the team says it stayed."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from tests.review.conftest import World
from tests.review.test_review_ui import sign_in
from triage.audit.models import AuditEvent
from triage.tickets.models import Ticket


def _ticket(session: Session, ticket_id: int) -> Ticket:
    session.expire_all()
    ticket = session.get(Ticket, ticket_id)
    assert ticket is not None
    return ticket


def test_a_move_to_another_team_can_be_undone_by_its_analyst(
    client: TestClient, world: World, session: Session
) -> None:
    csrf = sign_in(client, world.settlements)
    moved = client.post(
        f"/tickets/{world.own}/correct",
        data={"csrf_token": csrf, "category": "chargeback_dispute", "reason": "a dispute"},
    )
    assert moved.headers["location"] == f"/queue?moved={world.own}"
    queue = client.get(moved.headers["location"]).text
    assert f'action="/tickets/{world.own}/undo-correction"' in queue
    assert _ticket(session, world.own).team == "disputes"

    other = TestClient(client.app, follow_redirects=False)
    other_csrf = sign_in(other, world.disputes)
    refused = other.post(f"/tickets/{world.own}/undo-correction", data={"csrf_token": other_csrf})
    assert refused.status_code == 409 and _ticket(session, world.own).team == "disputes"

    undone = client.post(f"/tickets/{world.own}/undo-correction", data={"csrf_token": csrf})
    assert undone.headers["location"] == f"/tickets/{world.own}?done=undone"
    ticket = _ticket(session, world.own)
    assert (ticket.category, ticket.team) == ("settlement_delay", "settlements")
    [event] = session.exec(select(AuditEvent).where(AuditEvent.action == "review.undo")).all()
    assert event.actor == "sam@psp.example"
    again = client.post(f"/tickets/{world.own}/undo-correction", data={"csrf_token": csrf})
    assert again.status_code == 409  # the undo is not itself undoable


def test_a_correction_within_the_team_says_the_ticket_stayed(
    client: TestClient, world: World
) -> None:
    csrf = sign_in(client, world.settlements)
    response = client.post(
        f"/tickets/{world.own}/correct",
        data={"csrf_token": csrf, "category": "payout_failure", "reason": "returned payout"},
    )
    assert response.headers["location"] == f"/tickets/{world.own}?done=recategorised"
    page = client.get(response.headers["location"]).text
    assert "stays in this team" in page and "moved to its new team" not in page
