"""Per-category confidence thresholds chosen on cross-validated, calibrated predictions.

A category auto-routes a ticket only when two things hold: the ticket's own calibrated
probability is at least the target, and, in cross-validation, the tickets the model gave that
category at or above the threshold were right at least `target` of the time. The first keeps the
threshold honest when cross-validation is kinder than live traffic (new phrasings, tickets that
belong to no category); the second holds each category to the promise on its own, so a category
the model confuses never auto-routes. Too little data means no threshold at all.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from numpy.typing import ArrayLike, NDArray


def category_threshold(
    confidence: NDArray[np.float64], correct: NDArray[np.bool_], target: float
) -> float | None:
    """Lowest cut-off whose predictions at or above it reach `target` precision; None if none."""
    if confidence.size == 0:
        return None
    order = np.argsort(-confidence, kind="stable")
    ranked, hits = confidence[order], correct[order].astype(float)
    precision = np.cumsum(hits) / np.arange(1, ranked.size + 1)
    # Only the last of a run of equal confidences is a real cut: ties route together.
    is_cut = np.append(ranked[1:] < ranked[:-1], True)
    reachable = np.flatnonzero(is_cut & (precision >= target))
    if reachable.size == 0:
        return None
    cutoff = float(ranked[reachable.max()])
    return max(cutoff, target)


def choose_thresholds(
    labels: Sequence[str],
    y_true: Sequence[str],
    y_pred: Sequence[str],
    confidence: ArrayLike,
    target: float,
    counts: Mapping[str, int],
    min_examples: int,
) -> dict[str, float | None]:
    """A threshold per category (None = never auto-routes) from out-of-fold predictions."""
    true = np.asarray(y_true, dtype=object)
    pred = np.asarray(y_pred, dtype=object)
    conf = np.asarray(confidence, dtype=np.float64)
    thresholds: dict[str, float | None] = {}
    for label in labels:
        if counts.get(label, 0) < min_examples:
            thresholds[label] = None
            continue
        mine = pred == label
        cutoff = category_threshold(conf[mine], true[mine] == label, target)
        thresholds[label] = None if cutoff is None else round(cutoff, 6)
    return thresholds
