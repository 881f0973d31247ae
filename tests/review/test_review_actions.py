"""Confirm, correct, edit, approve, requeue and bulk confirm through the API, with their records."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from tests.review.conftest import World
from tests.review.factories import bearer, make_ticket
from triage.audit.models import AuditEvent
from triage.jobs.models import Job
from triage.tickets.models import Correction, Decision, Reply, Ticket

PAN = "4111 1111 1111 1111"


def _events(session: Session, action: str) -> list[AuditEvent]:
    session.expire_all()
    return list(session.exec(select(AuditEvent).where(AuditEvent.action == action)))


def test_confirm_records_a_confirming_correction_and_moves_the_ticket(
    client: TestClient, world: World, session: Session
):
    response = client.post(f"/api/tickets/{world.own}/confirm", headers=bearer(world.settlements))
    assert response.status_code == 200
    assert response.json()["status"] == "reviewed"
    assert response.json()["stage"] == "reply"
    correction = session.exec(select(Correction)).one()
    assert (correction.analyst, correction.new_category, correction.confirmed) == (
        "sam@psp.example",
        "settlement_delay",
        True,
    )
    [event] = _events(session, "review.confirm")
    assert (event.actor, event.ticket_id) == ("sam@psp.example", world.own)
    assert event.before["status"] == "in_review" and event.after["status"] == "reviewed"
    human = session.exec(select(Decision).where(Decision.stage == "human")).one()
    job = session.exec(select(Job).where(Job.kind == "writeback.note")).one()
    assert job.payload == {"ticket_id": world.own, "decision_id": human.id}


def test_correct_records_analyst_reason_and_before_after(
    client: TestClient, world: World, session: Session
):
    body = {"category": "payout_failure", "reason": f"bank returned it, card {PAN} on file"}
    response = client.post(
        f"/api/tickets/{world.own}/correct", json=body, headers=bearer(world.settlements)
    )
    assert response.status_code == 200
    detail = response.json()
    assert (detail["category"], detail["team"], detail["status"]) == (
        "payout_failure",
        "settlements",
        "reviewed",
    )
    correction = session.exec(select(Correction)).one()
    assert correction.old_category == "settlement_delay"
    assert correction.new_category == "payout_failure"
    assert not correction.confirmed
    assert "4111" not in (correction.reason or "") and "bank returned it" in (
        correction.reason or ""
    )
    [event] = _events(session, "review.correct")
    assert event.before["category"] == "settlement_delay"
    assert event.after["category"] == "payout_failure"
    assert event.actor == "sam@psp.example"
    reply = session.exec(select(Reply).where(Reply.ticket_id == world.own)).one()
    assert reply.template_id is not None and reply.template_id.startswith("payout_failure")


def test_correct_to_another_team_hands_the_ticket_over(
    client: TestClient, world: World, session: Session
):
    body = {"category": "refund_issue", "reason": "it is about a refund"}
    response = client.post(
        f"/api/tickets/{world.own}/correct", json=body, headers=bearer(world.settlements)
    )
    assert response.status_code == 200 and response.json() is None
    assert (
        client.get(f"/api/tickets/{world.own}", headers=bearer(world.settlements)).status_code
        == 404
    )
    queue = client.get("/api/queue", headers=bearer(world.disputes)).json()
    assert world.own in [item["id"] for item in queue["items"]]
    assert session.get(Ticket, world.own).team == "disputes"


def test_correct_rejects_an_unknown_category(client: TestClient, world: World):
    body = {"category": "not_a_category", "reason": "x"}
    response = client.post(
        f"/api/tickets/{world.own}/correct", json=body, headers=bearer(world.settlements)
    )
    assert response.status_code == 422


def test_edited_reply_is_redacted_before_storage_and_audited(
    client: TestClient, world: World, session: Session
):
    text = f"Hi, we refunded the card {PAN}. Regards"
    response = client.post(
        f"/api/tickets/{world.own}/reply", json={"body": text}, headers=bearer(world.settlements)
    )
    assert response.status_code == 200
    stored = session.exec(select(Reply).where(Reply.ticket_id == world.own)).one()
    assert "4111 1111" not in stored.body and "we refunded the card" in stored.body
    assert stored.edited_by == "sam@psp.example"
    [event] = _events(session, "reply.edit")
    assert "4111 1111" not in str(event.after) and "4111 1111" not in response.text


def test_approve_needs_a_settled_category(client: TestClient, world: World, session: Session):
    response = client.post(f"/api/tickets/{world.own}/approve", headers=bearer(world.settlements))
    assert response.status_code == 409
    assert session.exec(select(Job).where(Job.kind == "review.send_reply")).all() == []


def test_approve_twice_queues_one_send_reply_job(
    client: TestClient, world: World, session: Session
):
    headers = bearer(world.settlements)
    client.post(f"/api/tickets/{world.own}/confirm", headers=headers)
    first = client.post(f"/api/tickets/{world.own}/approve", headers=headers)
    second = client.post(f"/api/tickets/{world.own}/approve", headers=headers)
    assert first.status_code == second.status_code == 200
    assert first.json()["already_approved"] is False
    assert second.json()["already_approved"] is True
    assert first.json()["job_id"] == second.json()["job_id"]
    jobs = session.exec(select(Job).where(Job.kind == "review.send_reply")).all()
    assert len(jobs) == 1
    reply_id = first.json()["reply"]["id"]
    assert jobs[0].dedupe_key == f"review.send_reply:{reply_id}"
    assert len(_events(session, "reply.approve")) == 1
    locked = client.post(
        f"/api/tickets/{world.own}/reply", json={"body": "changed"}, headers=headers
    )
    assert locked.status_code == 409


def test_requeue_sends_a_reviewed_ticket_back(client: TestClient, world: World, session: Session):
    headers = bearer(world.settlements)
    client.post(f"/api/tickets/{world.own}/confirm", headers=headers)
    response = client.post(
        f"/api/tickets/{world.own}/requeue",
        json={"reason": "merchant wrote again"},
        headers=headers,
    )
    assert response.status_code == 200 and response.json()["status"] == "in_review"
    [event] = _events(session, "review.requeue")
    assert (event.before["status"], event.after["status"]) == ("reviewed", "in_review")


def test_bulk_confirm_confirms_each_and_audits_each(
    client: TestClient, world: World, session: Session
):
    second = make_ticket(session, "1002", "payout_failure").id
    body = {"ticket_ids": [world.own, second]}
    result = client.post("/api/queue/bulk-confirm", json=body, headers=bearer(world.settlements))
    assert result.json() == {"confirmed": [world.own, second], "skipped": []}
    events = _events(session, "review.confirm")
    assert sorted(e.ticket_id for e in events) == sorted([world.own, second])
    assert all(e.detail == "bulk" for e in events)
    again = client.post("/api/queue/bulk-confirm", json=body, headers=bearer(world.settlements))
    assert again.json() == {"confirmed": [], "skipped": [world.own, second]}


def test_queue_orders_by_priority_then_age_and_filters(
    client: TestClient, world: World, session: Session
):
    old_low = make_ticket(session, "1003", "reconciliation_mismatch", age_hours=50).id
    new_high = make_ticket(session, "1004", "payout_failure", age_hours=0.2, source="servicenow").id
    headers = bearer(world.settlements)
    ids = [i["id"] for i in client.get("/api/queue", headers=headers).json()["items"]]
    assert ids == [world.own, new_high, old_low]  # high (oldest first), then normal
    by_cat = client.get("/api/queue?category=reconciliation_mismatch", headers=headers).json()
    assert [i["id"] for i in by_cat["items"]] == [old_low]
    by_source = client.get("/api/queue?source=servicenow", headers=headers).json()
    assert [i["id"] for i in by_source["items"]] == [new_high]
    old = client.get("/api/queue?min_age_hours=24", headers=headers).json()
    assert [i["id"] for i in old["items"]] == [old_low]
    fresh = client.get("/api/queue?max_age_hours=0.5", headers=headers).json()
    assert [i["id"] for i in fresh["items"]] == [new_high]


def test_queue_stage_filter_separates_category_and_reply_work(
    client: TestClient, world: World, session: Session
):
    auto = make_ticket(session, "1005", "payout_failure", status="auto_routed", confidence=0.97).id
    headers = bearer(world.settlements)
    category = client.get("/api/queue?stage=category", headers=headers).json()["items"]
    reply = client.get("/api/queue?stage=reply", headers=headers).json()["items"]
    assert [i["id"] for i in category] == [world.own]
    assert [(i["id"], i["stage"]) for i in reply] == [(auto, "reply")]


def test_detail_explains_why_the_ticket_is_in_review(client: TestClient, world: World):
    detail = client.get(f"/api/tickets/{world.own}", headers=bearer(world.settlements)).json()
    assert detail["why_in_review"] == ["below threshold 0.82 and LLM fallback off"]
    [decision] = detail["decisions"]
    assert (decision["confidence"], decision["threshold"]) == (0.41, 0.82)
    assert detail["reply"]["status"] == "draft"
    assert detail["stage"] == "category"
