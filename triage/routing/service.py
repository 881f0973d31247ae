"""Record routing decisions: the Decision row, the ticket's new state, the audit event and the
follow-up task (write-back, or the LLM fallback), together and in the caller's transaction
(promise 2). The one writer of Decision rows and of write-back tasks; draft replies belong to
review.replies, called by the ingest flow."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session

from triage.audit import log as audit
from triage.db.engine import utcnow
from triage.db.statements import insert_many, insert_row, update_row
from triage.jobs import queue
from triage.jobs.models import TaskKind
from triage.routing import template_fit, templates
from triage.routing.policy import RouteDecision
from triage.tickets.models import Decision, Ticket, TicketStatus

# A new ticket's routing state before its first decision (the "before" of its audit event).
UNDECIDED = {
    "status": TicketStatus.NEW,
    "category": None,
    "route": None,
    "team": None,
    "priority": None,
}
TICKET_STATUS = {
    "auto": TicketStatus.AUTO_ROUTED,
    "auto_llm": TicketStatus.AUTO_ROUTED,
    "llm_pending": TicketStatus.LLM_PENDING,
    "review": TicketStatus.IN_REVIEW,
}


def _decision_values(
    ticket_id: int, decision: RouteDecision, template_id: str | None
) -> dict[str, Any]:
    return {
        "ticket_id": ticket_id,
        "stage": decision.stage,
        "model_version": decision.model_version,
        "category": decision.category,
        "confidence": decision.confidence,
        "threshold": decision.threshold,
        "route": decision.route,
        "team": decision.team,
        "template_id": template_id,
        "reasons": decision.reasons,
        **decision.usage.decision_columns(),
        "created_at": utcnow(),
    }


def choose_template(decision: RouteDecision, text: str) -> str | None:
    """The LLM's template when it is valid for the category, else the one that fits the
    ticket's text best."""
    tset = templates.default_set()
    ranked = template_fit.rank(tset, decision.category, text)
    if decision.template_id in {t.id for t, _ in ranked}:
        return decision.template_id
    return ranked[0][0].id if ranked else None


def _ticket_state(ticket: Ticket) -> dict[str, Any]:
    return {
        "status": ticket.status,
        "category": ticket.category,
        "route": ticket.route,
        "team": ticket.team,
        "priority": ticket.priority,
    }


def decided_state(decision: RouteDecision) -> dict[str, Any]:
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


def _routed_detail(decision: RouteDecision) -> str | None:
    return decision.reasons.get("why_review") or decision.reasons.get("why_llm")


@dataclass(frozen=True)
class Recorded:
    decision_id: int
    template_id: str | None  # the reply template this decision suggests, if any


def record(session: Session, ticket: Ticket, decision: RouteDecision) -> Recorded:
    """Store a decision, the ticket's new state, its audit event and its follow-up task.

    Core statements with cached compiled forms, because this runs in every webhook request.
    `ticket` may be attached to the session or a detached copy of a row inserted earlier in
    this transaction; either way it ends up holding its new state.
    """
    assert ticket.id is not None
    session.flush()  # pending ORM changes go first, so the statements below follow them
    template_id = _template_for(ticket, decision)
    decision_id = insert_row(session, Decision, _decision_values(ticket.id, decision, template_id))
    before = _ticket_state(ticket)
    state = decided_state(decision)
    update_row(session, Ticket, ticket.id, state)
    for name, value in state.items():
        set_committed_value(ticket, name, value)  # already written: nothing for the ORM to flush
    after = _ticket_state(ticket) | {"decision_id": decision_id, "stage": decision.stage}
    audit.record(
        session, "system", "ticket.routed", ticket.id, before, after, _routed_detail(decision)
    )
    kind = _followup_kind(decision)
    _queue(session, kind, ticket.id, decision_id, dedupe_key=f"{kind}:{ticket.id}")
    return Recorded(decision_id, template_id)


def record_new(session: Session, decided: list[tuple[Ticket, RouteDecision]]) -> list[Recorded]:
    """`record` for tickets created in this transaction already in their `decided_state`: one
    statement per table (decisions, audit events, tasks) for all of them."""
    chosen = [_template_for(ticket, decision) for ticket, decision in decided]
    rows = [
        _decision_values(_id(ticket), decision, template_id)
        for (ticket, decision), template_id in zip(decided, chosen, strict=True)
    ]
    stored = insert_many(session, Decision, rows, ("id", "ticket_id"))
    ids = {int(row.ticket_id): int(row.id) for row in stored}
    audit.record_many(session, [_routed_event(t, d, ids[_id(t)]) for t, d in decided])
    queue.enqueue_many(session, [_followup(t, d, ids[_id(t)]) for t, d in decided])
    return [
        Recorded(ids[_id(t)], template_id)
        for (t, _d), template_id in zip(decided, chosen, strict=True)
    ]


@dataclass(frozen=True)
class NewRows:
    """The rows `record_new` writes, for a caller that sends them itself (see
    triage.new_tickets): decisions with the ids given, their audit events and tasks."""

    decisions: list[dict[str, Any]]
    audit_events: list[dict[str, Any]]
    jobs: list[dict[str, Any]]
    recorded: list[Recorded]


def new_rows(decided: list[tuple[Ticket, RouteDecision]], decision_ids: list[int]) -> NewRows:
    """`record_new`'s rows for tickets whose decisions take the ids `decision_ids`."""
    chosen = [_template_for(ticket, decision) for ticket, decision in decided]
    together = list(zip(decided, chosen, decision_ids, strict=True))
    return NewRows(
        [_decision_values(_id(t), d, template) | {"id": i} for (t, d), template, i in together],
        [_routed_event(t, d, i) for (t, d), _template, i in together],
        queue.job_rows([_followup(t, d, i) for (t, d), _template, i in together]),
        [Recorded(i, template) for _decided, template, i in together],
    )


def _id(ticket: Ticket) -> int:
    assert ticket.id is not None
    return ticket.id


def _template_for(ticket: Ticket, decision: RouteDecision) -> str | None:
    if decision.route == "llm_pending":
        return None
    return choose_template(decision, f"{ticket.subject}\n{ticket.body}")


def _routed_event(ticket: Ticket, decision: RouteDecision, decision_id: int) -> dict[str, Any]:
    after = _ticket_state(ticket) | {"decision_id": decision_id, "stage": decision.stage}
    detail = _routed_detail(decision)
    return audit.event("system", "ticket.routed", ticket.id, UNDECIDED, after, detail)


def _followup(
    ticket: Ticket, decision: RouteDecision, decision_id: int
) -> tuple[TaskKind, int, dict[str, Any], str]:
    kind = _followup_kind(decision)
    payload = {"ticket_id": _id(ticket), "decision_id": decision_id}
    return kind, _id(ticket), payload, f"{kind}:{ticket.id}"


def _followup_kind(decision: RouteDecision) -> TaskKind:
    return TaskKind.LLM_FALLBACK if decision.route == "llm_pending" else TaskKind.WRITEBACK_NOTE


def record_human(
    session: Session, ticket: Ticket, reasons: dict[str, Any], write_back: bool
) -> int:
    """Store an analyst's decision on a ticket already updated by the caller; when the ticket's
    group or tags upstream must follow it, queue its write-back too. The decision's id."""
    assert ticket.id is not None
    # The analyst chose a category, not a team: the team column keeps the ticket's (or none).
    values = _decision_values(ticket.id, _human(ticket, reasons), None) | {"team": ticket.team}
    decision_id = insert_row(session, Decision, values)
    if write_back:
        kind = TaskKind.WRITEBACK_NOTE
        _queue(session, kind, ticket.id, decision_id, f"{kind}:{ticket.id}:{decision_id}")
    return decision_id


def _human(ticket: Ticket, reasons: dict[str, Any]) -> RouteDecision:
    return RouteDecision(
        route="review",
        stage="human",
        category=ticket.category,
        confidence=None,
        threshold=None,
        team=ticket.team or "",
        priority=ticket.priority or "",
        reasons=reasons,
    )


def _queue(
    session: Session, kind: TaskKind, ticket_id: int, decision_id: int, dedupe_key: str
) -> None:
    payload = {"ticket_id": ticket_id, "decision_id": decision_id}
    queue.enqueue_id(session, kind, ticket_id=ticket_id, payload=payload, dedupe_key=dedupe_key)
