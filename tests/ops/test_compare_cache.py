"""A comparison is kept with each version: loading the compare page again reuses the stored
figures while the golden set, the held-out corrections and the gates are unchanged, and measures
again as soon as one of them changes."""

from __future__ import annotations

from tests.ops import flows, samples
from tests.ops.conftest import Ops
from triage.classify import compare
from triage.classify.models import ModelVersion


def _compare(ops: Ops, version: str) -> dict:
    response = ops.client.get(f"/api/ops/models/{version}/compare", headers=ops.lead)
    assert response.status_code == 200, response.text
    return response.json()


def test_compare_figures_are_reused_until_their_inputs_change(ops: Ops) -> None:
    flows.correct_disputes(ops)
    candidate = flows.train_candidate(ops)
    first = _compare(ops, candidate)
    assert first["candidate"]["cached"] is False and first["baseline"]["cached"] is False
    again = _compare(ops, candidate)
    assert again["candidate"]["cached"] is True and again["baseline"]["cached"] is True
    assert again["candidate"]["golden"] == first["candidate"]["golden"]
    assert again["delta"] == first["delta"] and again["passes_gates"] == first["passes_gates"]
    ops.session.expire_all()
    row = ops.session.get(ModelVersion, candidate)
    assert row is not None and len(row.metrics["compare_key"]) == 64

    ops.gates(samples.STRICT_GATES)  # other gates: the gate result must be measured again
    stricter = _compare(ops, candidate)
    assert stricter["candidate"]["cached"] is False and stricter["passes_gates"] is False


def test_the_fingerprint_follows_every_input() -> None:
    from triage.classify.data import Example

    golden = [Example("where is my payout", "payout_failure")]
    holdout = [Example("refund missing", "refund_issue")]
    gates = {"accuracy": {"min": 0.8}}
    key = compare.inputs_key(golden, holdout, gates)
    assert key == compare.inputs_key(list(golden), list(holdout), dict(gates))
    assert key != compare.inputs_key(golden, [], gates)
    assert key != compare.inputs_key(golden, holdout, {"accuracy": {"min": 0.9}})
    assert key != compare.inputs_key(
        [Example("where is my payout", "settlement_delay")], holdout, gates
    )
    assert key != compare.inputs_key(holdout, golden, gates)


def test_promotions_and_rollbacks_are_marked_on_the_time_charts(ops: Ops) -> None:
    flows.correct_disputes(ops)
    candidate = flows.train_candidate(ops)
    promoted = ops.client.post(f"/api/ops/models/{candidate}/promote", json={}, headers=ops.lead)
    assert promoted.status_code == 200, promoted.text
    rolled = ops.client.post("/api/ops/rollback", headers=ops.lead)
    assert rolled.status_code == 200, rolled.text
    data = ops.client.get("/api/ops/dashboard", headers=ops.lead).json()
    assert [(e["what"], e["version"]) for e in data["model_events"]][-2:] == [
        ("promoted", candidate),
        ("rolled back to", ops.first_version),
    ]
    page = ops.client.get("/ops", headers=ops.lead).text
    assert f"promoted {candidate} by" in page and f"rolled back to {ops.first_version}" in page
    assert page.count('<g class="event">') >= 4  # two events on each of two time charts
