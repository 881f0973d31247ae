"""Fit the classifier, calibrate it and choose its thresholds on cross-validated predictions.

Every step is fitted inside the folds, the vectoriser included (see folds.py), so the
out-of-fold scores that calibration and the thresholds learn from are honest.
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
from sklearn.model_selection import StratifiedGroupKFold
from sklearn.pipeline import Pipeline

from triage.classify import calibration, evaluate, thresholds
from triage.classify.classifier import (
    TrainedModel,
    build_classifier,
    build_features,
    library_versions,
    normalise,
    score_matrix,
    softmax,
)
from triage.classify.data import UNCLEAR, DataError, Example, data_hash
from triage.classify.folds import FoldFeatures, paraphrase_groups

Progress = Callable[[str], None]
Split = tuple[NDArray[np.int_], NDArray[np.int_]]
FOLDS = 5
# Small training sets are cross-validated in up to MAX_REPEATS rounds, until about REPEAT_UNTIL
# out-of-fold scores are pooled.
MAX_REPEATS = 3
REPEAT_UNTIL = 3000


def quiet(_message: str) -> None:
    return None


def _fit(classifier: Any, features: Any, y: NDArray[np.int_]) -> Any:
    with warnings.catch_warnings():
        # A fold may converge loosely on a tiny category; the final fit decides the model.
        warnings.simplefilter("ignore")
        return classifier.fit(features, y)


def _split_count(y: NDArray[np.int_], groups: NDArray[np.int_], folds: int) -> int:
    if int(np.bincount(y).max()) < 2:
        raise DataError("too few examples: every category has a single example")
    if np.unique(groups).size < 2:
        raise DataError("too few distinct examples: they are all paraphrases of one another")
    largest = max(np.unique(groups[y == label]).size for label in np.unique(y))
    return min(folds, largest, np.unique(groups).size)


def _groups(texts: list[str], y: NDArray[np.int_], similarity: float | None) -> NDArray[np.int_]:
    if similarity is None:
        return np.arange(len(texts))
    return paraphrase_groups(texts, y, normalise, similarity)


def _fit_fold(features: FoldFeatures, y: NDArray[np.int_], split: Split) -> NDArray[np.float64]:
    train, held_out = split
    matrix = features.matrix(train)
    model = _fit(clone(build_classifier()), matrix[train], y[train])
    return score_matrix(model, matrix[held_out], int(y.max()) + 1)


def repeats_for(n: int) -> int:
    """Rounds of cross-validation: a few hundred examples give thresholds that move by several
    points of coverage with the shuffle of the folds, so small sets are folded several times
    and every round's out-of-fold scores are pooled."""
    return max(1, min(MAX_REPEATS, -(-REPEAT_UNTIL // n)))


def _splits(
    texts: list[str], y: NDArray[np.int_], groups: NDArray[np.int_], folds: int
) -> list[Split]:
    splits: list[Split] = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "least populated class has fewer members than n_splits"
        for seed in range(repeats_for(y.size)):
            folding = StratifiedGroupKFold(folds, shuffle=True, random_state=seed)
            splits += [s for s in folding.split(texts, y, groups) if s[1].size]
    return splits


def _fit_all(
    texts: list[str], y: NDArray[np.int_], groups: NDArray[np.int_], folds: int
) -> tuple[Pipeline, NDArray[np.float64], NDArray[np.int_]]:
    """The final model, and scores of every example (once per round) from a model, vectoriser
    included, that saw neither it nor its paraphrases, with their labels; fitted side by side,
    as liblinear and the sparse algebra free the GIL."""
    splits = _splits(texts, y, groups, folds)
    features = FoldFeatures(build_features(), texts)
    jobs = [delayed(_fit_final)(texts, y), *(delayed(_fit_fold)(features, y, s) for s in splits)]
    fitted = Parallel(n_jobs=min(len(jobs), os.cpu_count() or 1), prefer="threads")(jobs)
    held_out = np.concatenate([h for _, h in splits])
    return fitted[0], np.vstack(fitted[1:]), y[held_out]


def _fit_final(texts: list[str], y: NDArray[np.int_]) -> Pipeline:
    vectoriser = build_features()
    classifier = _fit(build_classifier(), vectoriser.fit_transform(texts), y)
    return Pipeline([("features", vectoriser), ("classifier", classifier)])


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
        settings["counts"],
        settings["min_examples"],
        never_route={UNCLEAR},
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
    paraphrase_similarity: float | None = None,
    categories: Sequence[str] | None = None,
    folds: int = FOLDS,
    progress: Progress = quiet,
) -> TrainedModel:
    """Fit, calibrate and threshold a model on `examples`; categories default to their labels.

    With `paraphrase_similarity`, examples of one label at least that alike share a fold."""
    labels = sorted({example.label for example in examples})
    if len(labels) < 2:
        raise DataError("need examples of at least two categories to train")
    started = time.perf_counter()
    y = np.asarray([labels.index(example.label) for example in examples], dtype=int)
    texts = [example.text for example in examples]
    groups = _groups(texts, y, paraphrase_similarity)
    splits = _split_count(y, groups, folds)
    rounds = repeats_for(len(examples))
    progress(
        f"{splits}-fold cross-validation ({rounds} round{'s' if rounds > 1 else ''}) on "
        f"{len(examples)} examples in {len(labels)} labels"
    )
    if paraphrase_similarity is not None:
        progress(f"{np.unique(groups).size} groups of paraphrases at {paraphrase_similarity}")
    pipeline, oof, oof_y = _fit_all(texts, y, groups, splits)
    progress(f"calibrating; choosing thresholds for target precision {target_precision}")
    options = {
        "target_precision": target_precision,
        "min_examples": min_examples,
        "counts": Counter(example.label for example in examples),
    }
    temperature, chosen, cv = _calibrate_and_threshold(labels, oof_y, oof, options)
    seconds = round(time.perf_counter() - started, 2)
    progress(
        f"done in {seconds}s: cv accuracy {cv['accuracy']}, auto_rate {cv['auto_rate']}, "
        f"auto_precision {cv['auto_precision']}"
    )
    return TrainedModel(
        pipeline=pipeline,
        labels=labels,
        temperature=temperature,
        thresholds=_with_categories(chosen, categories),
        metadata={
            "n_train": len(examples),
            "training_data_hash": data_hash(examples),
            "counts": dict(sorted(Counter(e.label for e in examples).items())),
            "target_precision": target_precision,
            "min_examples_per_category": min_examples,
            "paraphrase_similarity": paraphrase_similarity,
            "folds": splits,
            "cv_rounds": rounds,
            "train_seconds": seconds,
            "metrics": {"cv": cv},
            "library_versions": library_versions(),
        },
    )
