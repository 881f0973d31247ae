"""Shadow mode: a candidate's predictions are recorded beside the active model's, routing is not
touched, and the lead sees agreement and both models' accuracy on tickets analysts resolved."""

from __future__ import annotations

from sqlmodel import select

from tests.ops import flows, samples
from tests.ops.conftest import Ops
from triage.classify import data, registry
from triage.classify.models import ModelVersion, ShadowPrediction
from triage.tickets.models import Ticket

PAYOUT = ("Payout bounced", "The bank returned our payout, the IBAN is closed apparently")


def test_shadow_records_without_changing_routing(ops: Ops) -> None:
    flows.correct_disputes(ops)
    candidate = flows.train_candidate(ops)
    response = ops.client.post("/api/ops/shadow", json={"version": candidate}, headers=ops.lead)
    assert response.json() == {"shadow": candidate}

    first = registry.load_version(registry.get_version(ops.session, ops.first_version))
    arrivals = [*samples.NEW_DISPUTES, PAYOUT]
    results = [ops.ingest(f"92{n}", s, b) for n, (s, b) in enumerate(arrivals)]
    for (subject, body), result in zip(arrivals, results, strict=True):
        expected = first.predict(data.ticket_text(subject, body))
        ticket = ops.session.get(Ticket, result["ticket_id"])
        ops.session.refresh(ticket)
        assert ticket.model_version == ops.first_version
        assert (ticket.category, ticket.confidence) == (expected.category, expected.confidence)

    rows = ops.session.exec(select(ShadowPrediction).order_by(ShadowPrediction.id)).all()
    assert [r.ticket_id for r in rows] == [r["ticket_id"] for r in results]
    assert {r.model_version for r in rows} == {candidate}
    assert {r.active_version for r in rows} == {ops.first_version}
    assert [r.category for r in rows[:2]] == ["chargeback_dispute"] * 2
    assert all(r.active_category != "chargeback_dispute" for r in rows)
    assert rows[2].category == rows[2].active_category == "payout_failure"

    for result in results[:2]:
        ops.client.post(
            f"/api/tickets/{result['ticket_id']}/correct",
            json={"category": "chargeback_dispute", "reason": "dispute"},
            headers=ops.analyst,
        )
    stats = ops.client.get("/api/ops/shadow", headers=ops.lead).json()
    assert stats == {
        "version": candidate,
        "predictions": 3,
        "agreement": round(1 / 3, 4),
        "resolved": 2,
        "shadow_accuracy": 1.0,
        "active_accuracy": 0.0,
    }


def test_shadow_off_and_the_active_model_cannot_shadow(ops: Ops) -> None:
    on_active = ops.client.post(
        "/api/ops/shadow", json={"version": ops.first_version}, headers=ops.lead
    )
    assert on_active.status_code == 409
    candidate = flows.train_candidate(ops)
    ops.client.post("/api/ops/shadow", json={"version": candidate}, headers=ops.lead)
    off = ops.client.post("/api/ops/shadow", json={"version": None}, headers=ops.lead)
    assert off.json() == {"shadow": None}
    ops.ingest("93001", *PAYOUT)
    assert ops.session.exec(select(ShadowPrediction)).all() == []
    ops.session.expire_all()
    assert not ops.session.get(ModelVersion, candidate).shadow
