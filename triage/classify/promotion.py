"""Promotion: a candidate becomes active only if it passes the gates on the golden set."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session

from triage.classify import evaluate, registry
from triage.config import get_settings


@dataclass
class Outcome:
    activated: bool
    failures: list[str]
    metrics: dict[str, Any]
    messages: list[str] = field(default_factory=list)


def golden_metrics(session: Session, version_id: str) -> tuple[dict[str, Any], list[str]]:
    """The version's metrics on evals/golden/*.jsonl and the gates it fails there."""
    settings = get_settings()
    golden = evaluate.golden_examples(settings.evals_dir)
    model = registry.load_version(registry.get_version(session, version_id))
    result = evaluate.evaluate(model, golden)
    gates = evaluate.load_gates(settings.evals_dir / "gates.yaml")
    return {k: result[k] for k in evaluate.SUMMARY_KEYS}, evaluate.check_gates(result, gates)


def promote(
    session: Session, version_id: str, actor: str, *, force: bool, reason: str | None
) -> Outcome:
    """Activate `version_id` if it passes the gates, or if forced with a reason (audited)."""
    metrics, failures = golden_metrics(session, version_id)
    row = registry.get_version(session, version_id)
    row.metrics = {**row.metrics, "golden": metrics}
    session.add(row)
    summary = ", ".join(f"{k} {v}" for k, v in metrics.items())
    messages = [f"golden: {summary}", *(f"gate failed: {f}" for f in failures)]
    if failures and not force:
        messages.append(f"refused: {version_id} fails the gates (use --force --reason to override)")
        return Outcome(False, failures, metrics, messages)
    detail = f"golden: {summary}"
    if failures:
        detail += f"; forced past failed gates ({'; '.join(failures)}); reason: {reason}"
    registry.activate(session, version_id, actor, detail=detail)
    messages.append(f"active model is now {version_id}")
    return Outcome(True, failures, metrics, messages)
