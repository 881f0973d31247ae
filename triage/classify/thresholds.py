"""Confidence thresholds chosen on cross-validated, calibrated predictions.

The promise is about the tickets routed without a human: at target T, at least T of them are
right, and no more tickets than necessary go to review to keep it. So the thresholds are the
lowest cut-offs at which the out-of-fold predictions reach T, and nothing is added on top (an
older rule also made each ticket's own probability reach T, which kept precision well above the
target and sent a fifth of the routable tickets to analysts for nothing).

One shared cut-off comes from all the predictions together. A category's own cut-off, from only
the predictions of that category, is noisy when the category has few: it is shrunk toward the
shared one, weighing `n / (n + SHRINK)` for a category predicted n times out of fold. A category
that never reaches T on its own is shrunk from a cut-off of 1.0 (it routes only what the shared
rule is very sure of). Categories with too little training data, and labels that mean "no
category" (`unclear`), get no threshold: they never auto-route.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence

import numpy as np
from numpy.typing import ArrayLike, NDArray

# Out-of-fold predictions at which a category's own cut-off weighs as much as the shared one.
SHRINK = 20.0


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
    return float(ranked[reachable.max()])


def hindsight_coverage(confidence: ArrayLike, correct: ArrayLike, target: float) -> float:
    """Share of all predictions the best single cut-off routes at `target` precision."""
    conf = np.asarray(confidence, dtype=np.float64)
    if conf.size == 0:
        return 0.0
    cutoff = category_threshold(conf, np.asarray(correct, dtype=bool), target)
    return 0.0 if cutoff is None else float((conf >= cutoff).mean())


def shrunk(own: float | None, shared: float, n: int) -> float:
    """A category's cut-off pulled toward the shared one, the more so the fewer its predictions."""
    mine = 1.0 if own is None else own
    return (n * mine + SHRINK * shared) / (n + SHRINK)


def choose_thresholds(
    labels: Sequence[str],
    y_true: Sequence[str],
    y_pred: Sequence[str],
    confidence: ArrayLike,
    target: float,
    counts: Mapping[str, int],
    min_examples: int,
    never_route: Collection[str] = (),
) -> dict[str, float | None]:
    """A threshold per category (None = never auto-routes) from out-of-fold predictions."""
    true = np.asarray(y_true, dtype=object)
    pred = np.asarray(y_pred, dtype=object)
    conf = np.asarray(confidence, dtype=np.float64)
    routable = [x for x in labels if x not in never_route and counts.get(x, 0) >= min_examples]
    pool = np.isin(pred, np.asarray(routable, dtype=object))
    shared = category_threshold(conf[pool], (true == pred)[pool], target)
    thresholds: dict[str, float | None] = {label: None for label in labels}
    if shared is None:
        return thresholds
    for label in routable:
        mine = pred == label
        own = category_threshold(conf[mine], true[mine] == label, target)
        thresholds[label] = round(shrunk(own, shared, int(mine.sum())), 6)
    return thresholds
