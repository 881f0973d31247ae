"""The whole loop an ops lead runs: tickets arrive, analysts correct them, a candidate is trained
from the corrections, beats the active model on the held-out ones, is promoted, serves new tickets,
and is rolled back; and a candidate that fails the gates is refused unless forced with a reason."""

from __future__ import annotations

from sqlmodel import select

from tests.ops import flows, samples
from tests.ops.conftest import Ops
from triage.audit.models import AuditEvent
from triage.classify import data
from triage.classify.models import ModelVersion


def test_corrections_retrain_promote_and_roll_back(ops: Ops) -> None:
    ids = flows.correct_disputes(ops)
    assert {ops.decision_version(i) for i in ids} == {ops.first_version}
    held_out = [i for i in ids if data.in_holdout(i)]
    assert len(held_out) == 4

    candidate = flows.train_candidate(ops)
    row = ops.session.get(ModelVersion, candidate)
    assert row is not None and row.status == "candidate"
    # Seed examples plus the 16 trainable corrections; the 4 held-out ones are never trained on.
    assert row.n_train == 36 + 16 and "chargeback_dispute" in row.labels

    comparison = ops.client.get(f"/api/ops/models/{candidate}/compare", headers=ops.lead).json()
    assert comparison["holdout_n"] == 4 and comparison["golden_n"] == 6
    assert comparison["baseline"]["version"] == ops.first_version
    assert comparison["baseline"]["holdout"]["accuracy"] == 0.0
    assert comparison["candidate"]["holdout"]["accuracy"] >= 0.75
    assert comparison["delta"]["holdout"]["accuracy"] >= 0.75
    assert comparison["passes_gates"] is True

    promoted = ops.client.post(f"/api/ops/models/{candidate}/promote", json={}, headers=ops.lead)
    assert promoted.status_code == 200, promoted.text
    subject, body = samples.NEW_DISPUTES[0]
    fresh = ops.ingest("91001", subject, body)
    assert ops.decision_version(fresh["ticket_id"]) == candidate
    assert fresh["category"] == "chargeback_dispute"

    rolled = ops.client.post("/api/ops/rollback", headers=ops.lead)
    assert rolled.json() == {"active": ops.first_version}
    subject, body = samples.NEW_DISPUTES[1]
    after = ops.ingest("91002", subject, body)
    assert ops.decision_version(after["ticket_id"]) == ops.first_version
    actions = ops.session.exec(select(AuditEvent.action)).all()
    assert {"model.train", "model.activate", "model.rollback"} <= set(actions)


def test_a_candidate_failing_the_gates_needs_force_and_a_reason(ops: Ops) -> None:
    candidate = flows.train_candidate(ops)
    ops.gates(samples.STRICT_GATES)
    url = f"/api/ops/models/{candidate}/promote"

    refused = ops.client.post(url, json={}, headers=ops.lead)
    assert refused.status_code == 409 and refused.json()["error"] == "gates_failed"
    assert "gate failed: n 6 < min 100" in refused.json()["detail"]
    ops.session.expire_all()
    assert ops.session.get(ModelVersion, candidate).status == "candidate"

    no_reason = ops.client.post(url, json={"force": True, "reason": " "}, headers=ops.lead)
    assert no_reason.status_code == 422
    analyst = ops.client.post(url, json={"force": True, "reason": "x"}, headers=ops.analyst)
    assert analyst.status_code == 403

    forced = ops.client.post(
        url,
        json={"force": True, "reason": "Black Friday: known gap, fixed next week"},
        headers=ops.lead,
    )
    assert forced.status_code == 200, forced.text
    event = ops.session.exec(
        select(AuditEvent)
        .where(AuditEvent.action == "model.activate")
        .order_by(AuditEvent.id.desc())
    ).first()
    assert event is not None and event.actor == "lena@psp.example"
    assert "forced past failed gates" in event.detail and "Black Friday" in event.detail
