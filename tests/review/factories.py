"""Build users and tickets the way ingest and routing leave them (redacted text, a decision,
a draft reply), so review tests start from realistic rows without going through webhooks."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlmodel import Session

from triage.auth import service as users
from triage.db.engine import utcnow
from triage.tickets.models import Comment, Decision, Reply, Ticket

CATEGORY_TEAMS = {
    "settlement_delay": ("settlements", "high"),
    "payout_failure": ("settlements", "high"),
    "reconciliation_mismatch": ("settlements", "normal"),
    "chargeback_dispute": ("disputes", "high"),
    "refund_issue": ("disputes", "normal"),
    "api_integration": ("developer_support", "normal"),
    "fees_billing": ("payments", "low"),
}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def make_user(session: Session, email: str, role: str, teams: list[str]) -> str:
    """Create a user and return their API token."""
    _user, token = users.create_user(session, email, role, teams, actor="test")
    return token


def make_ticket(
    session: Session,
    external_id: str,
    category: str = "settlement_delay",
    *,
    subject: str = "Where is our settlement?",
    body: str = "Our Friday batch has not arrived in the bank account yet.",
    status: str = "in_review",
    source: str = "zendesk",
    age_hours: float = 1.0,
    confidence: float = 0.41,
    reply_body: str | None = "Hello there, we are looking into your settlement.",
    removed: dict[str, int] | None = None,
    comments: tuple[str, ...] = (),
) -> Ticket:
    team, priority = CATEGORY_TEAMS[category]
    created = utcnow() - timedelta(hours=age_hours)
    ticket = Ticket(
        source=source,
        external_id=external_id,
        external_number=external_id,
        subject=subject,
        body=body,
        status=status,
        category=category,
        confidence=confidence,
        route="review" if status == "in_review" else "auto",
        team=team,
        priority=priority,
        model_version="m-test-1",
        redaction_summary={"counts": removed or {}},
        created_at=created,
        updated_at=created,
    )
    session.add(ticket)
    session.flush()
    _add_children(session, ticket, comments, reply_body)
    return ticket


def _add_children(
    session: Session, ticket: Ticket, comments: tuple[str, ...], reply_body: str | None
) -> None:
    assert ticket.id is not None and ticket.category is not None
    session.add(
        _decision(
            ticket.id, ticket.category, ticket.confidence or 0.0, ticket.team or "", ticket.status
        )
    )
    for text in comments:
        session.add(Comment(ticket_id=ticket.id, author_id="merchant", body=text, public=True))
    if reply_body is not None:
        template_id = f"{ticket.category}_general"
        session.add(Reply(ticket_id=ticket.id, template_id=template_id, body=reply_body))
    session.commit()


def _decision(ticket_id: int, category: str, confidence: float, team: str, status: str) -> Decision:
    reasons: dict[str, Any] = {
        "classifier": {
            "category": category,
            "confidence": confidence,
            "threshold": 0.82,
            "top": [[category, confidence], ["payout_failure", 0.3], ["refund_issue", 0.1]],
            "model_version": "m-test-1",
        }
    }
    if status == "in_review":
        reasons["why_review"] = "below threshold 0.82 and LLM fallback off"
    return Decision(
        ticket_id=ticket_id,
        stage="classifier",
        model_version="m-test-1",
        category=category,
        confidence=confidence,
        threshold=0.82,
        route="review" if status == "in_review" else "auto",
        team=team,
        reasons=reasons,
    )
