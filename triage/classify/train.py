"""Fit the classifier, calibrate it and choose its thresholds on cross-validated predictions.

The vectoriser is fitted once on all the training texts; the folds refit only the linear model.
Held-out texts then carry words their fold never saw (they weigh in the TF-IDF norm but get no
weight), which makes the out-of-fold confidences slightly low: the safe direction for thresholds.
"""

from __future__ import annotations

import os
import time
import warnings
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from joblib import Parallel, delayed
from numpy.typing import NDArray
from sklearn.base import clone
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import Pipeline

from triage.classify import calibration, evaluate, thresholds
from triage.classify.classifier import (
    TrainedModel,
    build_classifier,
    build_features,
    library_versions,
    score_matrix,
    softmax,
)
from triage.classify.data import DataError, Example, data_hash

Progress = Callable[[str], None]
FOLDS = 5


def quiet(_message: str) -> None:
    return None


def _fit(classifier: Any, features: Any, y: NDArray[np.int_]) -> Any:
    with warnings.catch_warnings():
        # A fold may converge loosely on a tiny category; the final fit decides the model.
        warnings.simplefilter("ignore")
        return classifier.fit(features, y)


def _split_count(y: NDArray[np.int_], folds: int) -> int:
    largest = int(np.bincount(y).max())
    if largest < 2:
        raise DataError("too few examples: every category has a single example")
    return min(folds, largest)


def _fit_all(features: Any, y: NDArray[np.int_], folds: int) -> tuple[Any, NDArray[np.float64]]:
    """Fit the final model and the cross-validation folds side by side (liblinear frees the GIL)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "least populated class has fewer members than n_splits"
        splits = list(StratifiedKFold(folds, shuffle=True, random_state=0).split(features, y))
    jobs = [(np.arange(y.size), None), *splits]
    workers = min(len(jobs), os.cpu_count() or 1)
    fitted = Parallel(n_jobs=workers, prefer="threads")(
        delayed(_fit)(clone(build_classifier()), features[train], y[train]) for train, _ in jobs
    )
    n_classes = int(y.max()) + 1
    oof = np.zeros((y.size, n_classes))
    for model, (_, held_out) in zip(fitted[1:], splits, strict=True):
        oof[held_out] = score_matrix(model, features[held_out], n_classes)
    return fitted[0], oof


def _routed(
    predicted: list[str], confidence: NDArray[np.float64], chosen: dict[str, float | None]
) -> list[bool]:
    routed = []
    for category, value in zip(predicted, confidence, strict=True):
        threshold = chosen.get(category)
        routed.append(threshold is not None and float(value) >= threshold)
    return routed


def _calibrate_and_threshold(
    labels: list[str], y: NDArray[np.int_], oof: NDArray[np.float64], settings: dict[str, Any]
) -> tuple[float, dict[str, float | None], dict[str, Any]]:
    """Temperature, thresholds and cross-validated metrics from the out-of-fold scores."""
    temperature = calibration.fit_temperature(oof, y)
    probabilities = softmax(oof, temperature)
    predicted = [labels[int(i)] for i in probabilities.argmax(axis=1)]
    confidence = probabilities.max(axis=1)
    true = [labels[int(i)] for i in y]
    chosen = thresholds.choose_thresholds(
        labels,
        true,
        predicted,
        confidence,
        settings["target_precision"],
        Counter(true),
        settings["min_examples"],
    )
    routed = _routed(predicted, confidence, chosen)
    return temperature, chosen, evaluate.summarise(true, predicted, confidence, routed)


def _with_categories(
    chosen: dict[str, float | None], categories: Sequence[str] | None
) -> dict[str, float | None]:
    # Taxonomy categories without training data are listed too: they never auto-route.
    missing: dict[str, float | None] = {c: None for c in categories or [] if c not in chosen}
    return {**chosen, **missing}


def train(
    examples: Sequence[Example],
    *,
    target_precision: float,
    min_examples: int,
    categories: Sequence[str] | None = None,
    folds: int = FOLDS,
    progress: Progress = quiet,
) -> TrainedModel:
    """Fit, calibrate and threshold a model on `examples`; categories default to their labels."""
    labels = sorted({example.label for example in examples})
    if len(labels) < 2:
        raise DataError("need examples of at least two categories to train")
    started = time.perf_counter()
    y = np.asarray([labels.index(example.label) for example in examples], dtype=int)
    progress(f"vectorising {len(examples)} examples in {len(labels)} categories")
    vectoriser = build_features()
    features = vectoriser.fit_transform([example.text for example in examples])
    splits = _split_count(y, folds)
    progress(f"fitting the model and {splits}-fold cross-validation")
    classifier, oof = _fit_all(features, y, splits)
    progress(f"calibrating; choosing thresholds for target precision {target_precision}")
    options = {"target_precision": target_precision, "min_examples": min_examples}
    temperature, chosen, cv = _calibrate_and_threshold(labels, y, oof, options)
    seconds = round(time.perf_counter() - started, 2)
    progress(
        f"done in {seconds}s: cv accuracy {cv['accuracy']}, auto_rate {cv['auto_rate']}, "
        f"auto_precision {cv['auto_precision']}"
    )
    return TrainedModel(
        pipeline=Pipeline([("features", vectoriser), ("classifier", classifier)]),
        labels=labels,
        temperature=temperature,
        thresholds=_with_categories(chosen, categories),
        metadata={
            "n_train": len(examples),
            "training_data_hash": data_hash(examples),
            "counts": dict(sorted(Counter(e.label for e in examples).items())),
            "target_precision": target_precision,
            "min_examples_per_category": min_examples,
            "folds": splits,
            "train_seconds": seconds,
            "metrics": {"cv": cv},
            "library_versions": library_versions(),
        },
    )
