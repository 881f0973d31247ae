"""Drift: is the model seeing tickets unlike those it learned from?

Two weekly signals over the classifier's decisions: the share of low-confidence predictions
(below LOW_CONFIDENCE, and below the category's auto-routing threshold), and how far the mix of
predicted categories has moved from the training data's mix (total variation distance, 0 = the
same mix, 1 = nothing in common).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import sqlalchemy as sa
from sqlalchemy import case, func, or_
from sqlmodel import Session, col

from triage.classify import registry
from triage.ops.timeseries import day_of, ratio, week_of, weeks
from triage.tickets.models import Decision

LOW_CONFIDENCE = 0.5
WEEKS = 8


def training_mix(counts: dict[str, int]) -> dict[str, float]:
    total = sum(counts.values())
    return {k: round(v / total, 4) for k, v in sorted(counts.items())} if total else {}


def distance(mix: dict[str, float], reference: dict[str, float]) -> float | None:
    """Total variation distance between two category shares (None without a reference)."""
    if not mix or not reference:
        return None
    keys = set(mix) | set(reference)
    return round(0.5 * sum(abs(mix.get(k, 0.0) - reference.get(k, 0.0)) for k in keys), 4)


def _training_counts(session: Session) -> tuple[str | None, dict[str, int]]:
    """The active version's training examples per category (from its cross-validation report)."""
    row = registry.active_version(session)
    if row is None:
        return None, {}
    per_class = (row.metrics or {}).get("cv", {}).get("per_class", {})
    counts = {k: int(v.get("support", 0)) for k, v in per_class.items() if isinstance(v, dict)}
    return row.id, counts


def _weekly_counts(session: Session, since: Any) -> dict[str, dict[str, list[int]]]:
    """week -> category -> [predictions, low confidence, below threshold]."""
    day = day_of(session, Decision.created_at)
    low = case((col(Decision.confidence) < LOW_CONFIDENCE, 1), else_=0)
    below = case(
        (
            or_(
                col(Decision.threshold).is_(None),
                col(Decision.confidence) < col(Decision.threshold),
            ),
            1,
        ),
        else_=0,
    )
    query = (
        sa.select(day, col(Decision.category), func.count(), func.sum(low), func.sum(below))
        .where(
            col(Decision.stage) == "classifier",
            col(Decision.category).is_not(None),
            col(Decision.created_at) >= since,
        )
        .group_by(day, col(Decision.category))
    )
    result: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0, 0]))
    for bucket, category, n, n_low, n_below in session.execute(query).all():
        cell = result[week_of(bucket)][category]
        cell[0] += int(n)
        cell[1] += int(n_low or 0)
        cell[2] += int(n_below or 0)
    return result


def _week(cells: dict[str, list[int]], reference: dict[str, float]) -> dict[str, Any]:
    n = sum(c[0] for c in cells.values())
    mix = {k: round(c[0] / n, 4) for k, c in sorted(cells.items())} if n else {}
    return {
        "predictions": n,
        "low_confidence_share": ratio(sum(c[1] for c in cells.values()), n),
        "below_threshold_share": ratio(sum(c[2] for c in cells.values()), n),
        "mix": mix,
        "mix_distance": distance(mix, reference),
    }


def build(session: Session, n_weeks: int = WEEKS) -> dict[str, Any]:
    since, labels = weeks(n_weeks)
    version, counts = _training_counts(session)
    reference = training_mix(counts)
    weekly = _weekly_counts(session, since)
    rows = [{"week": label, **_week(weekly.get(label, {}), reference)} for label in labels]
    return {
        "low_confidence": LOW_CONFIDENCE,
        "active_version": version,
        "training_mix": reference,
        "weeks": rows,
        "latest": rows[-1] if rows else None,
    }
