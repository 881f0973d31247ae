"""New tickets come back from their INSERT as detached copies of their rows: the same values a
Ticket built field by field would hold, and the same row a fresh read returns."""

from __future__ import annotations

from sqlalchemy import inspect
from sqlmodel import Session

from triage.config import Settings
from triage.routing import service as routing
from triage.routing.policy import review_without_model
from triage.routing.rules import load_routes
from triage.tickets import service as tickets
from triage.tickets.models import Ticket, TicketEvent


def _event(external_id: str) -> TicketEvent:
    return TicketEvent(
        source="zendesk",
        external_id=external_id,
        delivery_id=f"d-{external_id}",
        kind="created",
        subject="Payout missing",
        body="Our payout of Friday has not arrived.",
        requester_id="1001",
        organization_id="2002",
        tags=("merchant",),
    )


def test_created_tickets_hold_their_rows_values(settings: Settings, session: Session) -> None:
    state = routing.decided_state(review_without_model(load_routes(settings.labels_dir)))
    values = [tickets.new_ticket_values(_event(n)) | state for n in ("7101", "7102")]
    created = tickets.create_tickets(session, values)
    session.commit()
    for ticket, row_values in zip(created, values, strict=True):
        assert ticket is not None and ticket.id is not None
        expected = Ticket(id=ticket.id, **row_values)
        assert ticket.model_dump() == expected.model_dump()
        stored = session.get(Ticket, ticket.id)
        assert stored is not None and stored is not ticket  # never attached to the session
        times = {"created_at", "updated_at"}  # the database may keep fewer digits
        assert stored.model_dump(exclude=times) == ticket.model_dump(exclude=times)
        assert not inspect(ticket).persistent


def test_a_row_copy_gives_missing_columns_their_defaults() -> None:
    values = tickets.new_ticket_values(_event("7103"))
    ticket = tickets.row_copy(41, values)
    assert (ticket.id, ticket.category, ticket.route, ticket.team) == (41, None, None, None)
    assert ticket.model_dump() == Ticket(id=41, **values).model_dump()
