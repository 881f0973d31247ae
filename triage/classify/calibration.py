"""Temperature scaling: one parameter that turns SVM scores into calibrated probabilities.

One parameter fitted on out-of-fold scores cannot overfit a few hundred examples, and it keeps
the ranking of the categories unchanged, so calibration never changes what the model predicts.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.optimize import minimize_scalar

from triage.classify.classifier import softmax


def negative_log_likelihood(
    scores: NDArray[np.float64], y: NDArray[np.int_], temperature: float
) -> float:
    probabilities = softmax(scores, temperature)
    picked = probabilities[np.arange(y.size), y]
    return float(-np.mean(np.log(np.clip(picked, 1e-12, 1.0))))


def fit_temperature(scores: NDArray[np.float64], y: NDArray[np.int_]) -> float:
    """The temperature minimising the log loss of softmax(scores / T) on held-out scores."""
    result = minimize_scalar(
        lambda log_t: negative_log_likelihood(scores, y, float(np.exp(log_t))),
        bounds=(np.log(1e-3), np.log(100.0)),
        method="bounded",
    )
    return float(np.exp(result.x))


def expected_calibration_error(confidence: ArrayLike, correct: ArrayLike, bins: int = 15) -> float:
    """Top-label ECE: the gap between confidence and accuracy, weighted over equal-width bins."""
    conf = np.asarray(confidence, dtype=np.float64)
    hits = np.asarray(correct, dtype=np.float64)
    if conf.size == 0:
        return 0.0
    edges = np.linspace(0.0, 1.0, bins + 1)
    which = np.clip(np.digitize(conf, edges[1:-1], right=True), 0, bins - 1)
    total = 0.0
    for b in range(bins):
        in_bin = which == b
        if in_bin.any():
            total += in_bin.mean() * abs(hits[in_bin].mean() - conf[in_bin].mean())
    return float(total)
