"""Confidence thresholds chosen on cross-validated, calibrated predictions.

The promise is about the tickets routed without a human, all together: at target T, T of them
are right, and no more go to review than that needs. So the rule is one cut on one scale shared
by every category: the estimated probability that a prediction is right. The estimate is a
logistic model of correctness on the logit of the prediction's calibrated confidence, with an
intercept and a slope for each predicted category, penalised toward the shared ones: a category
with few out-of-fold predictions follows the shared curve, one with many earns its own (an
easy category routes at a lower confidence than a category that is often confused). The cut is
the lowest at which the out-of-fold predictions above it reach T, with nothing added on top: a
rule that also made every ticket's own confidence reach T kept precision well above the target
and sent a fifth of the routable tickets to analysts for nothing.

The estimate increases with confidence in each category, so the cut is stored as a confidence
threshold per category, which routes exactly the tickets whose estimate reaches the cut.
Categories with too little training data, and labels that mean "no category" (`unclear`), get
no threshold: they never auto-route.
"""

from __future__ import annotations

import warnings
from collections.abc import Collection, Mapping, Sequence

import numpy as np
import scipy.sparse as sp
from numpy.typing import ArrayLike, NDArray
from sklearn.linear_model import LogisticRegression

# Inverse strength of the penalty on a category's own intercept and slope: small, so a category
# needs hundreds of out-of-fold predictions before its curve moves far from the shared one.
CATEGORY_C = 0.1
_EDGE = 1e-9
_ROUND_TRIP = 1e-12
_Z_MAX = float(np.log((1.0 - _EDGE) / _EDGE))


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


def _logit(p: NDArray[np.float64]) -> NDArray[np.float64]:
    clipped = np.clip(p, _EDGE, 1.0 - _EDGE)
    return np.asarray(np.log(clipped / (1.0 - clipped)), dtype=np.float64)


def _design(z: NDArray[np.float64], category: NDArray[np.int_], k: int) -> sp.csr_matrix:
    """Columns: the shared logit, k category intercepts, k category slopes."""
    rows = np.arange(z.size)
    shared = sp.csr_matrix(z[:, np.newaxis])
    intercepts = sp.csr_matrix((np.ones(z.size), (rows, category)), shape=(z.size, k))
    slopes = sp.csr_matrix((z, (rows, category)), shape=(z.size, k))
    return sp.hstack([shared, intercepts, slopes], format="csr")


class Correctness:
    """P(right | confidence, predicted category) = sigmoid(a_c + b_c * logit(confidence))."""

    def __init__(self, intercepts: NDArray[np.float64], slopes: NDArray[np.float64]) -> None:
        self.intercepts = intercepts
        self.slopes = slopes

    @classmethod
    def fit(
        cls,
        confidence: NDArray[np.float64],
        category: NDArray[np.int_],
        correct: NDArray[np.bool_],
        k: int,
    ) -> Correctness:
        model = LogisticRegression(C=CATEGORY_C, max_iter=1000)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # lbfgs may stop short on a separable toy set
            model.fit(_design(_logit(confidence), category, k), correct)
        weights, bias = model.coef_[0], float(model.intercept_[0])
        return cls(bias + weights[1 : k + 1], weights[0] + weights[k + 1 :])

    def score(
        self, confidence: NDArray[np.float64], category: NDArray[np.int_]
    ) -> NDArray[np.float64]:
        """The logit of the estimated probability of being right (monotone in the estimate)."""
        return self.intercepts[category] + self.slopes[category] * _logit(confidence)

    def threshold(self, category: int, cut: float) -> float | None:
        """The confidence at which this category's estimate reaches `cut` (a logit)."""
        z = (cut - float(self.intercepts[category])) / float(self.slopes[category])
        if z > _Z_MAX + _ROUND_TRIP:
            return None  # even a certain prediction of this category falls short of the cut
        # A hair lower, so the prediction that sits exactly on the cut still routes after the
        # round trip through the logit.
        return max(float(1.0 / (1.0 + np.exp(-max(z, -_Z_MAX)))) - _ROUND_TRIP, 0.0)


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
    index = {label: i for i, label in enumerate(labels)}
    pred = np.asarray([index[p] for p in y_pred], dtype=int)
    correct = np.asarray([t == p for t, p in zip(y_true, y_pred, strict=True)], dtype=bool)
    conf = np.asarray(confidence, dtype=np.float64)
    routable = [x for x in labels if x not in never_route and counts.get(x, 0) >= min_examples]
    pool = np.isin(pred, [index[x] for x in routable])
    thresholds: dict[str, float | None] = {label: None for label in labels}
    if not pool.any():
        return thresholds
    if correct[pool].all() or not correct[pool].any():
        # Nothing to tell right from wrong by: one cut on confidence decides for all.
        shared = category_threshold(conf[pool], correct[pool], target)
        return thresholds | {label: shared for label in routable}
    model = Correctness.fit(conf[pool], pred[pool], correct[pool], len(labels))
    # A category no more often right when more confident has no confidence to route from.
    rising = [x for x in routable if model.slopes[index[x]] > 0.0]
    pool &= np.isin(pred, [index[x] for x in rising])
    cut = category_threshold(model.score(conf[pool], pred[pool]), correct[pool], target)
    if cut is None:
        return thresholds
    for label in rising:
        thresholds[label] = model.threshold(index[label], cut)
    return thresholds
