"""The "review.send_reply" job: only an approved reply is sent, publicly, exactly once."""

import pytest
from sqlmodel import Session, select

from tests.fakes.servicenow import FakeServiceNow
from tests.fakes.zendesk import FakeZendesk
from tests.writeback import scenario
from triage.audit.models import AuditEvent
from triage.jobs import queue
from triage.jobs.models import Job
from triage.jobs.worker import Worker
from triage.tickets.models import Reply


def _approve_and_queue(session: Session, ticket_id: int | None, key: str) -> tuple[Reply, Job]:
    reply = session.exec(select(Reply).where(Reply.ticket_id == ticket_id)).one()
    reply.status, reply.approved_by = "approved", "ana@psp.example"
    session.add(reply)
    job = queue.enqueue(
        session,
        "review.send_reply",
        ticket_id=ticket_id,
        payload={"reply_id": reply.id},
        dedupe_key=key,
    )
    session.commit()
    return reply, job


def test_approved_reply_becomes_one_public_zendesk_comment(
    session: Session, fake_zendesk: FakeZendesk, monkeypatch: pytest.MonkeyPatch
) -> None:
    scenario.configure(monkeypatch, **scenario.zendesk_env(fake_zendesk))
    ticket, _, _ = scenario.routed_ticket(session, "zendesk", "5201")
    reply, _ = _approve_and_queue(session, ticket.id, "send_reply:1")
    worker = Worker("w1")
    assert worker.run_once() and worker.run_once()  # the writeback job, then send_reply

    (public,) = fake_zendesk.notes(5201, public=True)
    assert public["body"] == reply.body
    session.refresh(reply)
    assert reply.status == "sent" and reply.external_comment_id == str(public["id"])
    actions = session.exec(select(AuditEvent.action).where(AuditEvent.ticket_id == ticket.id))
    assert "reply.sent" in actions.all()
    # A second job for the same reply (e.g. a double click) sends nothing.
    queue.enqueue(
        session,
        "review.send_reply",
        ticket_id=ticket.id,
        payload={"reply_id": reply.id},
        dedupe_key="x",
    )
    session.commit()
    assert worker.run_once()
    assert len(fake_zendesk.notes(5201, public=True)) == 1


def test_unapproved_reply_is_refused(
    session: Session, fake_zendesk: FakeZendesk, monkeypatch: pytest.MonkeyPatch
) -> None:
    scenario.configure(monkeypatch, **scenario.zendesk_env(fake_zendesk))
    ticket, _, _ = scenario.routed_ticket(session, "zendesk", "5202")
    reply = session.exec(select(Reply).where(Reply.ticket_id == ticket.id)).one()
    job = queue.enqueue(
        session,
        "review.send_reply",
        ticket_id=ticket.id,
        payload={"reply_id": reply.id},
        dedupe_key="r",
    )
    session.commit()
    worker = Worker("w1")
    assert worker.run_once() and worker.run_once()

    dead = scenario.job(session, job.id)
    assert dead.status == "dead" and dead.last_error == f"reply {reply.id} is draft, not approved"
    assert fake_zendesk.notes(5202, public=True) == []


def test_approved_reply_goes_to_servicenow_comments(
    session: Session, fake_servicenow: FakeServiceNow, monkeypatch: pytest.MonkeyPatch
) -> None:
    scenario.configure(monkeypatch, **scenario.servicenow_env(fake_servicenow))
    sys_id = "a" * 32
    fake_servicenow.add_record("incident", sys_id)
    ticket, _, _ = scenario.routed_ticket(session, "servicenow", sys_id)
    reply, _ = _approve_and_queue(session, ticket.id, "send_reply:1")
    worker = Worker("w1")
    assert worker.run_once() and worker.run_once()

    (comment,) = fake_servicenow.entries(sys_id, "comments")
    assert comment["value"].startswith(reply.body.rstrip())
    assert comment["value"].endswith(f"Ref. triage-reply-{reply.id}")
    assert len(fake_servicenow.entries(sys_id, "work_notes")) == 1
