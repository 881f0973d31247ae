"""Store a routing decision: the Decision row, the ticket's new state, the draft reply, the
audit event and the follow-up job, all in the caller's transaction (promise 2)."""

from __future__ import annotations

import logging
from typing import Any

from sqlmodel import Session, select

from triage.audit import log as audit
from triage.db import insert_row, update_row, utcnow
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


def _decision_values(
    ticket_id: int, decision: RouteDecision, template_id: str | None
) -> dict[str, Any]:
    return {
        "ticket_id": ticket_id,
        "stage": decision.stage,
        "model_version": decision.model_version,
        "prompt_version": decision.prompt_version,
        "llm_model": decision.llm_model,
        "category": decision.category,
        "confidence": decision.confidence,
        "threshold": decision.threshold,
        "route": decision.route,
        "team": decision.team,
        "template_id": template_id,
        "reasons": decision.reasons,
        "tokens_in": decision.tokens_in,
        "tokens_out": decision.tokens_out,
        "cost_usd": decision.cost_usd,
        "latency_ms": decision.latency_ms,
        "cache_hit": decision.cache_hit,
        "created_at": utcnow(),
    }


def _decision_row(ticket_id: int, decision: RouteDecision, template_id: str | None) -> Decision:
    return Decision(**_decision_values(ticket_id, decision, template_id))


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


def _decided_state(decision: RouteDecision) -> dict[str, Any]:
    return {
        "status": TICKET_STATUS[decision.route],
        "category": decision.category,
        "confidence": decision.confidence,
        "route": decision.route,
        "team": decision.team,
        "priority": decision.priority,
        "model_version": decision.model_version,
        "updated_at": utcnow(),
    }


def _update_ticket(ticket: Ticket, decision: RouteDecision) -> dict[str, Any]:
    state = _decided_state(decision)
    for name, value in state.items():
        setattr(ticket, name, value)
    return state


def _draft_body(ticket: Ticket, template_id: str, slots: dict[str, str]) -> str:
    number = ticket.external_number or ticket.external_id
    return templates.render(template_id, slots, ticket_number=number)


def _upsert_draft(
    session: Session, ticket: Ticket, template_id: str, slots: dict[str, str]
) -> None:
    assert ticket.id is not None
    body = _draft_body(ticket, template_id, slots)
    reply = session.exec(select(Reply).where(Reply.ticket_id == ticket.id)).first()
    if reply is None:
        session.add(Reply(ticket_id=ticket.id, template_id=template_id, body=body))
    elif reply.status in DRAFT_STATUSES:
        # An analyst's approved or sent reply is never overwritten by a later automatic decision.
        reply.template_id, reply.body, reply.updated_at = template_id, body, utcnow()
        session.add(reply)


def _follow_up_kind(route: str) -> str:
    return "llm_fallback" if route == "llm_pending" else "writeback"


def _enqueue_follow_up(session: Session, ticket_id: int, row: Decision) -> None:
    kind = _follow_up_kind(row.route)
    queue.enqueue(
        session,
        kind,
        ticket_id=ticket_id,
        payload={"ticket_id": ticket_id, "decision_id": row.id},
        dedupe_key=f"{kind}:{ticket_id}",
    )


def _routed_detail(decision: RouteDecision) -> str | None:
    return decision.reasons.get("why_review") or decision.reasons.get("why_llm")


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
        detail=_routed_detail(decision),
    )
    _enqueue_follow_up(session, ticket.id, row)
    session.flush()
    return row


def apply_first_decision(session: Session, ticket: Ticket, decision: RouteDecision) -> int:
    """`apply_decision` for a ticket inserted earlier in this transaction; returns the decision id.

    The webhook path: the same rows (decision, ticket state, draft, audit event, job) written
    with cached Core statements instead of ORM objects and flushes. `ticket` is a detached copy
    of the inserted row; a ticket created in this transaction has no reply yet, so the draft is
    a plain insert.
    """
    assert ticket.id is not None
    template_id = choose_template(decision) if decision.route != "llm_pending" else None
    values = _decision_values(ticket.id, decision, template_id)
    decision_id = insert_row(session, Decision, values)
    before = _ticket_state(ticket)
    update_row(session, Ticket, ticket.id, _update_ticket(ticket, decision))
    if template_id is not None:
        _insert_draft(session, ticket, template_id, decision.slots)
    after = _ticket_state(ticket) | {"decision_id": decision_id, "stage": decision.stage}
    audit.record(
        session, "system", "ticket.routed", ticket.id, before, after, _routed_detail(decision)
    )
    kind = _follow_up_kind(decision.route)
    queue.enqueue_id(
        session,
        kind,
        ticket_id=ticket.id,
        payload={"ticket_id": ticket.id, "decision_id": decision_id},
        dedupe_key=f"{kind}:{ticket.id}",
    )
    return decision_id


def _insert_draft(
    session: Session, ticket: Ticket, template_id: str, slots: dict[str, str]
) -> None:
    now = utcnow()
    values = {
        "ticket_id": ticket.id,
        "template_id": template_id,
        "body": _draft_body(ticket, template_id, slots),
        "status": "draft",
        "created_at": now,
        "updated_at": now,
    }
    insert_row(session, Reply, values)
