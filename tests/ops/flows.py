"""Steps of the ops loop shared by the tests: analysts correct disputes, a lead trains."""

from __future__ import annotations

from tests.ops import samples
from tests.ops.conftest import Ops
from triage.jobs.worker import Worker


def correct_disputes(ops: Ops) -> list[int]:
    ids = []
    for n, (subject, body) in enumerate(samples.DISPUTES):
        ticket_id = ops.ingest(f"90{n:03d}", subject, body)["ticket_id"]
        response = ops.client.post(
            f"/api/tickets/{ticket_id}/correct",
            json={"category": "chargeback_dispute", "reason": "It is a chargeback."},
            headers=ops.analyst,
        )
        assert response.status_code == 200, response.text
        ids.append(ticket_id)
    return ids


def run_jobs() -> None:
    """Run every due job: the training run, and the write-backs corrections queued (dry run)."""
    worker = Worker("ops-test")
    while worker.run_once():
        pass


def trained_version(ops: Ops) -> str:
    training = ops.client.get("/api/ops/models", headers=ops.lead).json()["training"]
    assert training["status"] == "done", training
    assert any("cross-validation" in line for line in training["progress"])
    return str(training["version"])


def train_candidate(ops: Ops) -> str:
    response = ops.client.post("/api/ops/models/train", headers=ops.lead)
    assert response.status_code == 202 and response.json()["queued"] is True
    again = ops.client.post("/api/ops/models/train", headers=ops.lead).json()
    assert again["queued"] is False  # one training run at a time
    run_jobs()
    return trained_version(ops)
