"""Candidate against active, side by side: on the golden set and on held-out recent corrections.

The golden set (evals/golden) never changes between retrains, so it shows regressions; the
corrections holdout (tickets whose id is a multiple of data.HOLDOUT_EVERY, never trained on)
shows whether the candidate learned what analysts have been correcting lately.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from sqlmodel import Session

from triage.classify import data, evaluate, registry
from triage.classify.data import Example
from triage.config import get_settings
from triage.db.engine import utcnow
from triage.errors import TriageError

HOLDOUT_LIMIT = 500


def holdout_examples(session: Session, limit: int = HOLDOUT_LIMIT) -> list[Example]:
    """The most recent held-out verdicts, one per ticket (none of them is ever trained on)."""
    return data.corrections(session, holdout=True)[-limit:]


def inputs_key(golden: list[Example], holdout: list[Example], gates: dict[str, Any]) -> str:
    """A fingerprint of what a comparison is measured on: the golden set, the held-out
    corrections and the gates. A version's stored figures are reused while it is unchanged."""
    digest = hashlib.sha256(json.dumps(gates, sort_keys=True).encode())
    for name, examples in (("golden", golden), ("holdout", holdout)):
        digest.update(f"\x1e{name}".encode())
        for example in examples:
            digest.update(f"{example.label}\x1f{example.text}\x1d".encode())
    return digest.hexdigest()


def _side(
    session: Session, version_id: str, golden: list[Example], holdout: list[Example]
) -> dict[str, Any]:
    """A version's figures: the stored ones when they were measured on these same inputs
    (scoring the golden set takes about a second), else measured now and stored."""
    row = registry.get_version(session, version_id)
    gates = evaluate.load_gates(get_settings().evals_dir / "gates.yaml")
    key = inputs_key(golden, holdout, gates)
    stored = row.metrics
    if stored.get("compare_key") == key and stored.get("golden") is not None:
        figures = {k: stored.get(k) for k in ("golden", "holdout", "gate_failures")}
        return {"version": row.id, "status": row.status, **figures, "cached": True}
    model = registry.load_version(row)
    golden_summary = evaluate.summary(model, golden)
    assert golden_summary is not None
    side = {
        "version": row.id,
        "status": row.status,
        "golden": golden_summary,
        "holdout": evaluate.summary(model, holdout),
        "gate_failures": evaluate.check_gates(golden_summary, gates),
        "cached": False,
    }
    _remember(session, side, key)
    return side


def _deltas(candidate: dict[str, Any] | None, baseline: dict[str, Any] | None) -> dict[str, float]:
    if candidate is None or baseline is None:
        return {}
    return {k: round(candidate[k] - baseline[k], 4) for k in evaluate.SUMMARY_KEYS if k != "n"}


def compare(session: Session, candidate_id: str, baseline_id: str | None = None) -> dict[str, Any]:
    """Both versions' metrics on both sets, the deltas, and the candidate's gate result."""
    if baseline_id is None:
        active = registry.active_version(session)
        baseline_id = active.id if active is not None else None
    golden, holdout = evaluate.golden_examples(get_settings().evals_dir), holdout_examples(session)
    candidate = _side(session, candidate_id, golden, holdout)
    baseline = _side(session, baseline_id, golden, holdout) if baseline_id else None
    return {
        "candidate": candidate,
        "baseline": baseline,
        "golden_n": len(golden),
        "holdout_n": len(holdout),
        "delta": {
            "golden": _deltas(candidate["golden"], baseline and baseline["golden"]),
            "holdout": _deltas(candidate["holdout"], baseline and baseline["holdout"]),
        },
        "passes_gates": not candidate["gate_failures"],
    }


def _remember(session: Session, side: dict[str, Any], key: str) -> None:
    """Keep the latest figures on the version, with the fingerprint of what they measured, so
    neither the versions page nor the next comparison need recompute them."""
    row = registry.get_version(session, side["version"])
    row.metrics = {
        **row.metrics,
        "golden": side["golden"],
        "holdout": side["holdout"],
        "gate_failures": side["gate_failures"],
        "compared_at": utcnow().isoformat(),
        "compare_key": key,
    }
    session.add(row)
    session.flush()


def check_candidate(session: Session, version_id: str) -> None:
    if registry.get_version(session, version_id).status == registry.ACTIVE:
        raise TriageError(f"{version_id} is already the active model", 409)
