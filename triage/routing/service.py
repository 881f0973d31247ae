"""Store a routing decision: the Decision row, the ticket's new state, the draft reply, the
audit event and the follow-up job, all in the caller's transaction (promise 2)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import update
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session

from triage.audit import log as audit
from triage.db.engine import utcnow
from triage.db.statements import insert_ignore_id, insert_row, update_row
from triage.jobs import queue
from triage.review.models import Reply
from triage.routing import templates
from triage.routing.policy import RouteDecision
from triage.tickets.models import Decision, Ticket

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


def _draft_body(ticket: Ticket, template_id: str, slots: dict[str, str]) -> str:
    number = ticket.external_number or ticket.external_id
    return templates.render(template_id, slots, ticket_number=number)


def _upsert_draft(
    session: Session, ticket: Ticket, template_id: str, slots: dict[str, str]
) -> None:
    """Insert the draft reply, or refresh it while it is still a draft: an analyst's approved
    or sent reply is never overwritten by a later automatic decision."""
    now = utcnow()
    body = _draft_body(ticket, template_id, slots)
    values = {
        "ticket_id": ticket.id,
        "template_id": template_id,
        "body": body,
        "status": "draft",
        "created_at": now,
        "updated_at": now,
    }
    if insert_ignore_id(session, Reply, values, ["ticket_id"]) is not None:
        return
    table = Reply.__table__  # type: ignore[attr-defined]
    refresh = (
        update(table)
        .where(table.c.ticket_id == ticket.id, table.c.status.in_(DRAFT_STATUSES))
        .values(template_id=template_id, body=body, updated_at=now)
    )
    session.connection().execute(refresh)


def _routed_detail(decision: RouteDecision) -> str | None:
    return decision.reasons.get("why_review") or decision.reasons.get("why_llm")


def apply_decision(session: Session, ticket: Ticket, decision: RouteDecision) -> int:
    """Store a decision and everything it implies; returns the decision's id.

    Core statements with cached compiled forms, because this runs in every webhook request.
    `ticket` may be attached to the session or a detached copy of a row inserted earlier in
    this transaction; either way it ends up holding its new state.
    """
    assert ticket.id is not None
    session.flush()  # pending ORM changes go first, so the statements below follow them
    template_id = choose_template(decision) if decision.route != "llm_pending" else None
    decision_id = insert_row(session, Decision, _decision_values(ticket.id, decision, template_id))
    before = _ticket_state(ticket)
    state = _decided_state(decision)
    update_row(session, Ticket, ticket.id, state)
    for name, value in state.items():
        set_committed_value(ticket, name, value)  # already written: nothing for the ORM to flush
    if template_id is not None:
        _upsert_draft(session, ticket, template_id, decision.slots)
    after = _ticket_state(ticket) | {"decision_id": decision_id, "stage": decision.stage}
    audit.record(
        session, "system", "ticket.routed", ticket.id, before, after, _routed_detail(decision)
    )
    kind = "llm_fallback" if decision.route == "llm_pending" else "writeback"
    queue.enqueue_id(
        session,
        kind,
        ticket_id=ticket.id,
        payload={"ticket_id": ticket.id, "decision_id": decision_id},
        dedupe_key=f"{kind}:{ticket.id}",
    )
    return decision_id
