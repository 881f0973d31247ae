"""Store a routing decision: the Decision row, the ticket's new state, the draft reply, the
audit event and the follow-up job, all in the caller's transaction (promise 2)."""

from __future__ import annotations

import logging
from typing import Any

from sqlmodel import Session, select

from triage.audit import log as audit
from triage.db import utcnow
from triage.jobs import queue
from triage.review.models import Reply
from triage.routing import templates
from triage.routing.policy import RouteDecision
from triage.tickets.models import Decision, Ticket

log = logging.getLogger(__name__)

TICKET_STATUS = {
    "auto": "auto_routed",
    "auto_llm": "auto_routed",
    "llm_pending": "llm_pending",
    "review": "in_review",
}
DRAFT_STATUSES = ("draft",)


def _decision_row(ticket_id: int, decision: RouteDecision, template_id: str | None) -> Decision:
    return Decision(
        ticket_id=ticket_id,
        stage=decision.stage,
        model_version=decision.model_version,
        prompt_version=decision.prompt_version,
        llm_model=decision.llm_model,
        category=decision.category,
        confidence=decision.confidence,
        threshold=decision.threshold,
        route=decision.route,
        team=decision.team,
        template_id=template_id,
        reasons=decision.reasons,
        tokens_in=decision.tokens_in,
        tokens_out=decision.tokens_out,
        cost_usd=decision.cost_usd,
        latency_ms=decision.latency_ms,
        cache_hit=decision.cache_hit,
    )


def choose_template(decision: RouteDecision) -> str | None:
    """The LLM's template when it is valid for the category, else the category's first one."""
    options = templates.for_category(decision.category)
    ids = [t.id for t in options]
    if decision.template_id in ids:
        return decision.template_id
    return ids[0] if ids else None


def _ticket_state(ticket: Ticket) -> dict[str, Any]:
    return {
        "status": ticket.status,
        "category": ticket.category,
        "route": ticket.route,
        "team": ticket.team,
        "priority": ticket.priority,
    }


def _update_ticket(ticket: Ticket, decision: RouteDecision) -> None:
    ticket.status = TICKET_STATUS[decision.route]
    ticket.category = decision.category
    ticket.confidence = decision.confidence
    ticket.route = decision.route
    ticket.team = decision.team
    ticket.priority = decision.priority
    ticket.model_version = decision.model_version
    ticket.updated_at = utcnow()


def _upsert_draft(
    session: Session, ticket: Ticket, template_id: str, slots: dict[str, str]
) -> None:
    assert ticket.id is not None
    number = ticket.external_number or ticket.external_id
    body = templates.render(template_id, slots, ticket_number=number)
    reply = session.exec(select(Reply).where(Reply.ticket_id == ticket.id)).first()
    if reply is None:
        session.add(Reply(ticket_id=ticket.id, template_id=template_id, body=body))
    elif reply.status in DRAFT_STATUSES:
        # An analyst's approved or sent reply is never overwritten by a later automatic decision.
        reply.template_id, reply.body, reply.updated_at = template_id, body, utcnow()
        session.add(reply)


def _enqueue_follow_up(session: Session, ticket_id: int, row: Decision) -> None:
    kind = "llm_fallback" if row.route == "llm_pending" else "writeback"
    queue.enqueue(
        session,
        kind,
        ticket_id=ticket_id,
        payload={"ticket_id": ticket_id, "decision_id": row.id},
        dedupe_key=f"{kind}:{ticket_id}",
    )


def apply_decision(session: Session, ticket: Ticket, decision: RouteDecision) -> Decision:
    assert ticket.id is not None
    template_id = choose_template(decision) if decision.route != "llm_pending" else None
    row = _decision_row(ticket.id, decision, template_id)
    session.add(row)
    before = _ticket_state(ticket)
    _update_ticket(ticket, decision)
    session.add(ticket)
    session.flush()
    if template_id is not None:
        _upsert_draft(session, ticket, template_id, decision.slots)
    audit.record(
        session,
        "system",
        "ticket.routed",
        ticket_id=ticket.id,
        before=before,
        after=_ticket_state(ticket) | {"decision_id": row.id, "stage": decision.stage},
        detail=decision.reasons.get("why_review") or decision.reasons.get("why_llm"),
    )
    _enqueue_follow_up(session, ticket.id, row)
    session.flush()
    return row
