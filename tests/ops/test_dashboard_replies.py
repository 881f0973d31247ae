"""The dashboard counts what waits on analysts beyond category decisions: replies to approve and
sends that failed; correction rates carry their counts; a change that rounds to zero has no
sign."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from tests.review.factories import bearer, make_ticket, make_user
from triage.config import Settings
from triage.main import create_app
from triage.ops import dashboard
from triage.tickets.models import Reply, ReplyStatus
from triage.web.filters import format_delta


def test_reply_backlog_counts_drafts_and_failed_sends(session: Session, settings: Settings) -> None:
    make_ticket(session, "1", "settlement_delay", status="in_review")  # a category decision
    make_ticket(session, "2", "settlement_delay", status="reviewed", age_hours=5)  # a draft
    make_ticket(session, "3", "chargeback_dispute", status="auto_routed")  # a draft
    failed = make_ticket(session, "4", "refund_issue", status="reviewed", age_hours=30)
    sent = make_ticket(session, "5", "refund_issue", status="reviewed")
    for ticket, status in ((failed, ReplyStatus.SEND_FAILED), (sent, ReplyStatus.SENT)):
        reply = session.exec(select(Reply).where(Reply.ticket_id == ticket.id)).one()
        reply.status = status
        session.add(reply)
    session.commit()
    data = dashboard.build(session, settings)
    assert data["backlog"]["total"] == 1
    replies = data["backlog"]["replies"]
    assert (replies["drafts"], replies["send_failed"], replies["total"]) == (2, 1, 3)
    assert replies["by_team"]["disputes"]["send_failed"] == 1
    assert replies["by_team"]["disputes"]["oldest_hours"] >= 30

    token = make_user(session, "lee@psp.example", "lead", [])
    session.commit()
    client = TestClient(create_app(), follow_redirects=False)
    response = client.get("/ops", headers=bearer(token))
    assert response.status_code == 200
    assert "1 category · 2 reply approval" in response.text
    assert "1 send failed" in response.text


def test_a_change_that_rounds_to_zero_has_no_sign() -> None:
    assert format_delta(-0.0001) == "±0.0 pt"
    assert format_delta(0.0004) == "±0.0 pt"
    assert format_delta(-0.0512) == "-5.1 pt"
    assert format_delta(0.2) == "+20.0 pt"
    assert format_delta(None) == ""
