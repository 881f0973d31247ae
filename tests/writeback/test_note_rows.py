"""The write-back job reads its ticket, decision and draft in one Core query: the same note as the
step-by-step ORM reads that older jobs (without a decision id) still take."""

import dataclasses

import pytest
from sqlmodel import Session, select

from tests.writeback import scenario
from triage.jobs.models import Job
from triage.tickets.models import Reply
from triage.writeback import notes, tasks


def test_the_row_fields_follow_the_query_columns() -> None:
    names = [f.name for f in dataclasses.fields(tasks.NoteRow)]
    assert names == [*tasks.TICKET_COLUMNS, *tasks.DECISION_COLUMNS, "reply_body"]


def test_one_query_and_the_step_by_step_reads_give_the_same_note(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    scenario.configure(monkeypatch)
    ticket, decision, job = scenario.routed_ticket(session, "servicenow", "0001234567")
    reply = session.exec(select(Reply).where(Reply.ticket_id == ticket.id)).one()
    reply.body = "Your deposit for batch 7781 is on its way."
    session.add(reply)
    session.commit()
    legacy = Job(kind=job.kind, ticket_id=None, payload={"ticket_id": ticket.id})

    row = tasks._load(session, job)
    session.rollback()
    assert tasks._load(session, legacy) == row

    assert (row.source, row.external_id, row.external_table) == (
        "servicenow",
        "0001234567",
        "incident",
    )
    assert (row.id, row.ticket_id, row.category) == (decision.id, ticket.id, decision.category)
    assert row.reasons == decision.reasons and row.reply_body == reply.body
    note = notes.decision_note(row, row.priority, row.reply_body)
    assert note.startswith(f"[triage:{decision.id}] Triage suggestion")
    assert note.endswith("\n" + reply.body)


def test_a_ticket_without_a_draft_gets_a_note_without_one(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    scenario.configure(monkeypatch)
    ticket, _, job = scenario.routed_ticket(session, "zendesk", "4201")
    session.delete(session.exec(select(Reply).where(Reply.ticket_id == ticket.id)).one())
    session.commit()

    row = tasks._load(session, job)

    assert row.reply_body is None
    assert "Suggested reply" not in notes.decision_note(row, row.priority, row.reply_body)
