"""What reaches the merchant: the approved text is the submitted text, markers block approval,
two approvals audit once, drafts come in the ticket's language, a dead send comes back to the
queue with its reason and can be retried from the ticket."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from tests.fakes.zendesk import FakeZendesk
from tests.fakes.zendesk import fake_zendesk as fake_zendesk
from tests.review.conftest import World
from tests.review.factories import bearer, make_ticket
from tests.writeback import scenario
from triage.audit.models import AuditEvent
from triage.auth.models import User
from triage.jobs.models import Job
from triage.jobs.worker import Worker
from triage.review import approval, replies
from triage.routing import templates
from triage.tickets.models import Reply, Ticket

PAN = "4111 1111 1111 1111"
LABELS = Path(__file__).resolve().parents[2] / "labels"


def _events(session: Session, action: str) -> list[AuditEvent]:
    session.expire_all()
    return list(session.exec(select(AuditEvent).where(AuditEvent.action == action)))


def _reply(session: Session, ticket_id: int) -> Reply:
    session.expire_all()
    return session.exec(select(Reply).where(Reply.ticket_id == ticket_id)).one()


def _confirmed(client: TestClient, world: World) -> None:
    response = client.post(f"/api/tickets/{world.own}/confirm", headers=bearer(world.settlements))
    assert response.status_code == 200


def test_approve_sends_the_submitted_text_redacted(
    client: TestClient, world: World, session: Session
) -> None:
    _confirmed(client, world)
    text = f"Hello Sam,\n\nthe batch left on Friday. Card {PAN} is not needed."
    response = client.post(
        f"/api/tickets/{world.own}/approve", json={"body": text}, headers=bearer(world.settlements)
    )
    assert response.status_code == 200, response.text
    reply = _reply(session, world.own)
    assert reply.status == "approved" and "the batch left on Friday" in reply.body
    assert "4111 1111" not in reply.body and reply.edited_by == "sam@psp.example"
    [event] = _events(session, "reply.approve")
    assert "the batch left on Friday" in event.after["body"] and "4111" not in str(event.after)
    job = session.exec(select(Job).where(Job.kind == "review.send_reply")).one()
    assert job.payload["reply_id"] == reply.id


def test_approval_is_refused_while_a_marker_is_left(
    client: TestClient, world: World, session: Session
) -> None:
    _confirmed(client, world)
    text = "Hello,\n- Settlement batch: [[batch_id]]\n- Date: [[payout_date]]\nRegards"
    response = client.post(
        f"/api/tickets/{world.own}/approve", json={"body": text}, headers=bearer(world.settlements)
    )
    assert response.status_code == 409
    assert "[[batch_id]], [[payout_date]]" in response.json()["detail"]
    reply = _reply(session, world.own)
    assert reply.status == "draft" and "[[batch_id]]" not in reply.body
    assert not _events(session, "reply.approve")
    assert not session.exec(select(Job).where(Job.kind == "review.send_reply")).all()
    filled = text.replace("[[batch_id]]", "B-77").replace("- Date: [[payout_date]]\n", "")
    response = client.post(
        f"/api/tickets/{world.own}/approve",
        json={"body": filled},
        headers=bearer(world.settlements),
    )
    assert response.status_code == 200 and _reply(session, world.own).body == filled


def test_a_stored_draft_with_a_marker_is_not_approved_either(
    client: TestClient, world: World, session: Session
) -> None:
    _confirmed(client, world)
    reply = _reply(session, world.own)
    reply.body = "Hello, your payout [[payout_id]] is on its way."
    session.add(reply)
    session.commit()
    response = client.post(f"/api/tickets/{world.own}/approve", headers=bearer(world.settlements))
    assert response.status_code == 409 and "[[payout_id]]" in response.json()["detail"]


def test_two_approvals_racing_write_one_audit_row(
    client: TestClient, world: World, session: Session, settings: object
) -> None:
    _confirmed(client, world)
    user = session.exec(select(User).where(User.email == "sam@psp.example")).one()
    late = Session(session.get_bind(), expire_on_commit=False)
    stale_ticket = late.get(Ticket, world.own)
    assert stale_ticket is not None
    stale = late.exec(select(Reply).where(Reply.ticket_id == world.own)).one()
    assert stale.status == "draft"  # read before the first approval commits
    first = client.post(f"/api/tickets/{world.own}/approve", headers=bearer(world.settlements))
    assert first.status_code == 200 and not first.json()["already_approved"]
    _, job, already = approval.approve(late, user, stale_ticket, "A different text")
    late.commit()
    late.close()
    assert already and job.id == first.json()["job_id"]
    assert len(_events(session, "reply.approve")) == 1
    assert _reply(session, world.own).body.startswith("Hello there")


def test_a_draft_follows_the_tickets_language_and_fills_its_slots(session: Session) -> None:
    body = (
        "Hola, no hemos recibido la liquidación del lote LQ-88213 por 3.410,75 € que "
        "esperábamos el 14 de marzo.\nSaludos,\nPanadería San Juan"
    )
    ticket = make_ticket(session, "3001", subject="Liquidación pendiente", body=body)
    replies.draft(session, ticket, "settlement_delay_general", {})
    session.commit()
    reply = _reply(session, ticket.id or 0)
    assert (reply.language, reply.detected_language) == ("es", "es")
    assert reply.body.startswith("Hola Panadería San Juan:")
    assert "LQ-88213" in reply.body and "3.410,75 EUR" in reply.body
    assert "14 de marzo" in reply.body and replies.unfilled(reply.body) == []


def test_a_dutch_ticket_gets_english_and_says_why(session: Session) -> None:
    body = "Goedemiddag, de uitbetaling van vorige week is nog steeds niet op onze rekening."
    ticket = make_ticket(session, "3002", subject="Uitbetaling ontbreekt", body=body)
    replies.draft(session, ticket, "settlement_delay_general", {"batch_id": "B-9"})
    session.commit()
    reply = _reply(session, ticket.id or 0)
    assert (reply.language, reply.detected_language) == ("en", "nl")
    assert reply.body.startswith("Hello there,") and "B-9" in reply.body
    assert replies.unfilled(reply.body) == ["payout_date", "amount"]


def test_switching_template_and_language_is_audited(
    client: TestClient, world: World, session: Session
) -> None:
    _confirmed(client, world)
    body = {"template_id": "settlement_delay_bank_holiday", "language": "fr"}
    response = client.post(
        f"/api/tickets/{world.own}/template", json=body, headers=bearer(world.settlements)
    )
    assert response.status_code == 200, response.text
    detail = response.json()
    assert detail["reply"]["template_id"] == "settlement_delay_bank_holiday"
    assert detail["reply"]["language"] == "fr" and detail["reply"]["body"].startswith("Bonjour")
    assert {t["id"] for t in detail["templates"]} == {
        t.id for t in templates.for_category("settlement_delay")
    }
    [event] = _events(session, "reply.template")
    assert event.before["template_id"] == "settlement_delay_general"
    assert event.after["language"] == "fr"
    wrong = {"template_id": "payout_failure_returned_by_bank", "language": "en"}
    response = client.post(
        f"/api/tickets/{world.own}/template", json=wrong, headers=bearer(world.settlements)
    )
    assert response.status_code == 422


def test_a_dead_send_returns_to_the_queue_with_its_reason_and_retries(
    client: TestClient,
    world: World,
    session: Session,
    fake_zendesk: FakeZendesk,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    scenario.configure(monkeypatch, **scenario.zendesk_env(fake_zendesk, labels_dir=LABELS))
    _confirmed(client, world)
    worker = Worker("w1")
    while worker.run_once():  # the confirmation's write-back note goes first
        pass
    fake_zendesk.fail(403, method="PUT", times=1)
    approved = client.post(f"/api/tickets/{world.own}/approve", headers=bearer(world.settlements))
    assert approved.status_code == 200
    while worker.run_once():
        pass
    reply = _reply(session, world.own)
    assert reply.status == "send_failed" and "HTTP 403" in (reply.send_error or "")
    queue = client.get("/api/queue", headers=bearer(world.settlements)).json()
    [item] = [i for i in queue["items"] if i["id"] == world.own]
    assert item["stage"] == "send_failed"
    [event] = _events(session, "reply.send_failed")
    assert event.actor == "system" and "HTTP 403" in (event.detail or "")

    retried = client.post(f"/api/tickets/{world.own}/retry-send", headers=bearer(world.settlements))
    assert retried.status_code == 200 and retried.json()["reply"]["status"] == "approved"
    while worker.run_once():
        pass
    assert _reply(session, world.own).status == "sent"
    assert len(fake_zendesk.notes(1001, public=True)) == 1
    assert len(_events(session, "reply.retry")) == 1
    again = client.post(f"/api/tickets/{world.own}/retry-send", headers=bearer(world.settlements))
    assert again.status_code == 409
