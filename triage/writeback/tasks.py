"""The "writeback.note" task: a decision's internal note, tags and group, written to the ticket.

`ticket_of` and `counted` serve the other task that writes to a ticket, review.send_reply.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from sqlalchemy import bindparam
from sqlmodel import Session, col, select

from triage import metrics
from triage.config import Settings, get_settings
from triage.jobs.handlers import PermanentError, handler
from triage.jobs.models import Job, TaskKind
from triage.routing import rules
from triage.tickets.models import Decision, Reply, Ticket
from triage.writeback import notes, servicenow, zendesk

DEFAULT_SERVICENOW_TABLE = "incident"


def ticket_of(session: Session, ticket_id: int | None) -> Ticket:
    ticket = session.get(Ticket, ticket_id) if ticket_id is not None else None
    if ticket is None:
        raise PermanentError(f"ticket {ticket_id} no longer exists")
    return ticket


def _decision(session: Session, job: Job, ticket: Ticket) -> Decision:
    decision_id = job.payload.get("decision_id")
    if decision_id is not None:
        decision = session.get(Decision, decision_id)
    else:
        query = select(Decision).where(Decision.ticket_id == ticket.id)
        decision = session.exec(query.order_by(col(Decision.id).desc())).first()
    if decision is None or decision.ticket_id != ticket.id:
        raise PermanentError(f"no decision {decision_id} for ticket {ticket.id}")
    return decision


def _route(decision: Decision) -> tuple[rules.Route, bool]:
    """The route whose queue and tags the ticket gets, and whether the category is settled."""
    routes = rules.load_routes(get_settings().labels_dir)
    settled = decision.route in ("auto", "auto_llm") or decision.stage == "human"
    # Until someone is sure, the ticket sits in the triage queue of routing.yaml's default.
    return (routes.for_category(decision.category) if settled else routes.default), settled


def counted(result: dict[str, Any]) -> dict[str, Any]:
    outcome = "dry_run" if result.get("dry_run") else result.get("skipped") or "written"
    metrics.WRITEBACKS.labels(target=result["target"], outcome=outcome).inc()
    return result


def _write_decision(ticket: Ticket, decision: Decision, reply: Reply | None) -> dict[str, Any]:
    assert decision.id is not None
    settings = get_settings()
    route, settled = _route(decision)
    note = notes.decision_note(decision, ticket.priority, reply)
    update = zendesk.TicketUpdate(
        marker_tag=notes.note_tag(decision.id),
        comment=note,
        public=False,
        tags=route.zendesk_tags,
        group_id=route.zendesk_group_id,
        category=decision.category if settled else None,
    )
    fields = {"assignment_group": route.servicenow_assignment_group or ""}
    if route.servicenow_category:
        fields["category"] = route.servicenow_category
    record = servicenow.RecordUpdate(notes.note_marker(decision.id), "work_notes", note, fields)
    return write_to(settings, ticket, update, record)


def write_to(
    settings: Settings,
    ticket: Ticket,
    update: zendesk.TicketUpdate,
    record: servicenow.RecordUpdate,
) -> dict[str, Any]:
    """Write to the ticket in its own system: `update` on Zendesk, `record` on ServiceNow."""
    if ticket.source == "zendesk":
        return zendesk.write(settings, ticket.external_id, update)
    if ticket.source == "servicenow":
        table = ticket.external_table or DEFAULT_SERVICENOW_TABLE
        return servicenow.write(settings, table, ticket.external_id, record)
    raise PermanentError(f"unknown ticket source {ticket.source!r}")


@lru_cache(maxsize=1)
def _with_decision_and_reply() -> Any:
    """Ticket, decision and draft reply (unique per ticket) in one query, built once."""
    return (
        select(Ticket, Decision, Reply)
        .join(Decision, col(Decision.ticket_id) == col(Ticket.id))
        .outerjoin(Reply, col(Reply.ticket_id) == col(Ticket.id))
        .where(
            col(Ticket.id) == bindparam("ticket_id"), col(Decision.id) == bindparam("decision_id")
        )
    )


def _load(session: Session, job: Job) -> tuple[Ticket, Decision, Reply | None]:
    ticket_id = job.ticket_id or job.payload.get("ticket_id")
    decision_id = job.payload.get("decision_id")
    if ticket_id is not None and decision_id is not None:
        params = {"ticket_id": ticket_id, "decision_id": decision_id}
        row = session.exec(_with_decision_and_reply(), params=params).first()
        if row is not None:
            return row[0], row[1], row[2]
    # Older jobs without a decision id, or a missing row: one step at a time, with the errors.
    ticket = ticket_of(session, ticket_id)
    decision = _decision(session, job, ticket)
    return ticket, decision, session.exec(select(Reply).where(Reply.ticket_id == ticket.id)).first()


@handler(TaskKind.WRITEBACK_NOTE, reads_only=True)
def writeback(session: Session, job: Job) -> dict[str, Any]:
    ticket, decision, reply = _load(session, job)
    result = counted(_write_decision(ticket, decision, reply))
    return result | {"decision_id": decision.id}
