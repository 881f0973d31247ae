"""The "writeback.note" task: a decision's internal note, tags and group, written to the ticket.

`ticket_of`, `write_to` and `counted` serve the other tasks that write to a ticket
(review.send_reply, incidents.note).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Protocol

from sqlalchemy import Table, bindparam
from sqlalchemy import select as core_select
from sqlmodel import Session, col, select

from triage import metrics
from triage.config import Settings, get_settings
from triage.jobs.handlers import PermanentError, handler
from triage.jobs.models import Job, TaskKind
from triage.routing import rules
from triage.tickets.models import Decision, Reply, Ticket
from triage.writeback import notes, servicenow, zendesk

DEFAULT_SERVICENOW_TABLE = "incident"
# The columns of NoteRow, in its order: the ticket's, the decision's, then the reply's body.
TICKET_COLUMNS = ("source", "external_id", "external_table", "priority")
DECISION_COLUMNS = (
    "id",
    "ticket_id",
    "stage",
    "model_version",
    "prompt_version",
    "llm_model",
    "category",
    "confidence",
    "threshold",
    "route",
    "team",
    "reasons",
)


class Target(Protocol):
    """Where a write-back goes: a Ticket, or the columns the write-back job reads."""

    @property
    def source(self) -> str: ...
    @property
    def external_id(self) -> str: ...
    @property
    def external_table(self) -> str | None: ...


@dataclass(frozen=True, slots=True)
class NoteRow:
    """One row of the write-back query: the ticket's address, its decision and its draft reply.

    Plain columns, not ORM objects: identity-map bookkeeping, attribute events and the expiry
    on rollback cost more than the write-back's own work, and the job changes nothing here.
    """

    source: str
    external_id: str
    external_table: str | None
    priority: str | None
    id: int
    ticket_id: int
    stage: str
    model_version: str | None
    prompt_version: str | None
    llm_model: str | None
    category: str | None
    confidence: float | None
    threshold: float | None
    route: str
    team: str | None
    reasons: dict[str, Any]
    reply_body: str | None


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


def _route(decision: notes.NoteDecision) -> tuple[rules.Route, bool]:
    """The route whose queue and tags the ticket gets, and whether the category is settled."""
    routes = rules.load_routes(get_settings().labels_dir)
    settled = decision.route in ("auto", "auto_llm") or decision.stage == "human"
    # Until someone is sure, the ticket sits in the triage queue of routing.yaml's default.
    return (routes.for_category(decision.category) if settled else routes.default), settled


def counted(result: dict[str, Any]) -> dict[str, Any]:
    outcome = "dry_run" if result.get("dry_run") else result.get("skipped") or "written"
    metrics.WRITEBACKS.labels(target=result["target"], outcome=outcome).inc()
    return result


def _write_decision(row: NoteRow) -> dict[str, Any]:
    settings = get_settings()
    route, settled = _route(row)
    note = notes.decision_note(row, row.priority, row.reply_body)
    update = zendesk.TicketUpdate(
        marker_tag=notes.note_tag(row.id),
        comment=note,
        public=False,
        tags=route.zendesk_tags,
        group_id=route.zendesk_group_id,
        category=row.category if settled else None,
    )
    fields = {"assignment_group": route.servicenow_assignment_group or ""}
    if route.servicenow_category:
        fields["category"] = route.servicenow_category
    record = servicenow.RecordUpdate(notes.note_marker(row.id), "work_notes", note, fields)
    return write_to(settings, row, update, record)


def write_to(
    settings: Settings,
    ticket: Target,
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


def _table(model: Any) -> Table:
    return model.__table__  # type: ignore[no-any-return]


def _note_select() -> Any:
    """Ticket, decision and draft reply (unique per ticket): the columns of NoteRow."""
    tickets, decisions, replies = _table(Ticket), _table(Decision), _table(Reply)
    ticket_columns = [tickets.c[name] for name in TICKET_COLUMNS]
    decision_columns = [decisions.c[name] for name in DECISION_COLUMNS]
    return (
        core_select(*ticket_columns, *decision_columns, replies.c.body)
        .select_from(tickets)
        .join(decisions, decisions.c.ticket_id == tickets.c.id)
        .outerjoin(replies, replies.c.ticket_id == tickets.c.id)
    )


@lru_cache(maxsize=1)
def _note_query() -> Any:
    """One job's row in one Core query, built once."""
    tickets, decisions = _table(Ticket), _table(Decision)
    return _note_select().where(
        tickets.c.id == bindparam("ticket_id"), decisions.c.id == bindparam("decision_id")
    )


def _from_orm(ticket: Ticket, decision: Decision, reply: Reply | None) -> NoteRow:
    assert decision.id is not None
    return NoteRow(
        ticket.source,
        ticket.external_id,
        ticket.external_table,
        ticket.priority,
        decision.id,
        decision.ticket_id,
        decision.stage,
        decision.model_version,
        decision.prompt_version,
        decision.llm_model,
        decision.category,
        decision.confidence,
        decision.threshold,
        decision.route,
        decision.team,
        decision.reasons,
        reply.body if reply is not None else None,
    )


# Where `prefetch_notes` leaves the rows of a batch, in the session of the batch's reads.
_NOTES = "writeback.notes"


@lru_cache(maxsize=1)
def _notes_query() -> Any:
    """`_note_query` for several decisions at once (each row names its ticket)."""
    decisions = _table(Decision)
    return _note_select().where(decisions.c.id.in_(bindparam("decision_ids", expanding=True)))


def prefetch_notes(session: Session, jobs: list[Job]) -> None:
    """The rows of a batch's write-back jobs in one query instead of one each."""
    wanted = sorted({i for i in map(_decision_id, jobs) if i is not None})
    if len(wanted) < 2:
        return
    rows = session.connection().execute(_notes_query(), {"decision_ids": wanted})
    session.info[_NOTES] = {row.id: NoteRow(*row) for row in rows}


def _decision_id(job: Job) -> int | None:
    decision_id = job.payload.get("decision_id")
    return int(decision_id) if decision_id is not None else None


def _load(session: Session, job: Job) -> NoteRow:
    ticket_id = job.ticket_id or job.payload.get("ticket_id")
    decision_id = job.payload.get("decision_id")
    prefetched = session.info.get(_NOTES, {}).get(decision_id)
    if prefetched is not None and prefetched.ticket_id == ticket_id:
        return prefetched  # type: ignore[no-any-return]
    if ticket_id is not None and decision_id is not None:
        params = {"ticket_id": ticket_id, "decision_id": decision_id}
        row = session.connection().execute(_note_query(), params).first()
        if row is not None:
            return NoteRow(*row)
    # Older jobs without a decision id, or a missing row: one step at a time, with the errors.
    ticket = ticket_of(session, ticket_id)
    decision = _decision(session, job, ticket)
    reply = session.exec(select(Reply).where(col(Reply.ticket_id) == ticket.id)).first()
    return _from_orm(ticket, decision, reply)


@handler(TaskKind.WRITEBACK_NOTE, reads_only=True, prefetch=prefetch_notes)
def writeback(session: Session, job: Job) -> dict[str, Any]:
    row = _load(session, job)
    return counted(_write_decision(row)) | {"decision_id": row.id}
