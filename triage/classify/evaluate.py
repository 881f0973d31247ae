"""Metrics for a model on labelled examples, and the gates a candidate must pass."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import yaml
from numpy.typing import ArrayLike
from sklearn.metrics import precision_recall_fscore_support

from triage.classify.calibration import expected_calibration_error
from triage.classify.classifier import TrainedModel
from triage.classify.data import DataError, Example, load_files
from triage.classify.thresholds import hindsight_coverage

# The figures every report of a model shows (eval, compare, promote) and the gates may bound.
SUMMARY_KEYS = ("n", "accuracy", "macro_f1", "auto_rate", "auto_precision", "ece")
GOLDEN_DIR = "golden"


def _per_class(true: list[str], pred: list[str]) -> tuple[dict[str, dict[str, float]], float]:
    labels = sorted(set(true) | set(pred))
    precision, recall, f1, support = precision_recall_fscore_support(
        true, pred, labels=labels, zero_division=0
    )
    per_class = {
        label: {
            "precision": round(float(p), 4),
            "recall": round(float(r), 4),
            "f1": round(float(f), 4),
            "support": int(s),
        }
        for label, p, r, f, s in zip(labels, precision, recall, f1, support, strict=True)
    }
    in_data = [per_class[label]["f1"] for label in sorted(set(true))]
    return per_class, float(np.mean(in_data)) if in_data else 0.0


def summarise(
    y_true: Sequence[str],
    y_pred: Sequence[str],
    confidence: ArrayLike,
    auto: ArrayLike,
    known: Sequence[str] | None = None,
) -> dict[str, Any]:
    """n, accuracy, macro_f1, per_class, auto_rate, auto_precision and ece for one prediction run.

    Rows whose label the model does not know (out of scope) count as wrong wherever they go;
    `out_of_scope` reports how many of them were routed automatically, which should be few.
    """
    true, pred = list(y_true), list(y_pred)
    correct = np.asarray([t == p for t, p in zip(true, pred, strict=True)], dtype=bool)
    routed = np.asarray(auto, dtype=bool)
    per_class, macro_f1 = _per_class(true, pred)
    result: dict[str, Any] = {
        "n": len(true),
        "accuracy": round(float(correct.mean()), 4) if true else 0.0,
        "macro_f1": round(macro_f1, 4),
        "auto_rate": round(float(routed.mean()), 4) if true else 0.0,
        "auto_precision": round(float(correct[routed].mean()), 4) if routed.any() else 0.0,
        "ece": round(expected_calibration_error(confidence, correct), 4),
        "per_class": per_class,
    }
    if known is not None:
        unknown = np.asarray([t not in set(known) for t in true], dtype=bool)
        if unknown.any():
            result["out_of_scope"] = {
                "n": int(unknown.sum()),
                "auto_rate": round(float(routed[unknown].mean()), 4),
            }
    return result


def against_hindsight(
    y_true: Sequence[str],
    y_pred: Sequence[str],
    confidence: ArrayLike,
    routable: ArrayLike,
    target: float,
) -> dict[str, float]:
    """The coverage the best single cut-off on these very predictions reaches at `target`.

    Only predictions of categories that may auto-route compete; `auto_rate` beside this shows
    how close thresholds learned from training data alone come to that bound.
    """
    may = np.asarray(routable, dtype=bool)
    conf = np.where(may, np.asarray(confidence, dtype=np.float64), -1.0)
    correct = np.asarray([t == p for t, p in zip(y_true, y_pred, strict=True)], dtype=bool)
    coverage = hindsight_coverage(conf, correct & may, target) if may.any() else 0.0
    return {"target_precision": target, "hindsight_auto_rate": round(coverage, 4)}


def evaluate(model: TrainedModel, examples: Sequence[Example]) -> dict[str, Any]:
    if not examples:
        raise DataError("no examples to evaluate on")
    predictions = model.predict_many([example.text for example in examples])
    true = [example.label for example in examples]
    predicted = [p.category for p in predictions]
    confidence = [p.confidence for p in predictions]
    result = summarise(true, predicted, confidence, [p.auto for p in predictions], model.labels)
    routable = [p.threshold is not None for p in predictions]
    target = float(model.metadata.get("target_precision", 0.0))
    return {**result, **against_hindsight(true, predicted, confidence, routable, target)}


def summary(model: TrainedModel, examples: Sequence[Example]) -> dict[str, Any] | None:
    """The SUMMARY_KEYS figures of `model` on `examples`; None when there are none."""
    if not examples:
        return None
    result = evaluate(model, examples)
    return {key: result[key] for key in SUMMARY_KEYS}


def golden_examples(evals_dir: Path) -> list[Example]:
    """evals/golden/*.jsonl: held out from training, unchanged between retrains."""
    folder = evals_dir / GOLDEN_DIR
    files = sorted(folder.glob("*.jsonl"))
    if not files:
        raise DataError(f"no golden set in {folder}")
    return load_files(files)


def load_gates(path: Path) -> dict[str, dict[str, float]]:
    """gates: {metric: {min: x} | {max: x}} over the metrics in SUMMARY_KEYS."""
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise DataError(f"{path}: cannot read the gates ({type(exc).__name__})") from None
    gates = document.get("gates") if isinstance(document, dict) else None
    if not isinstance(gates, dict):
        raise DataError(f"{path}: expected a 'gates' mapping")
    for metric, bound in gates.items():
        if metric not in SUMMARY_KEYS or not isinstance(bound, dict) or not bound:
            raise DataError(f"{path}: gate {metric!r} must be a known metric with min or max")
        if set(bound) - {"min", "max"}:
            raise DataError(f"{path}: gate {metric!r} takes only min and max")
    return {str(k): {b: float(v) for b, v in bound.items()} for k, bound in gates.items()}


def check_gates(metrics: dict[str, Any], gates: dict[str, dict[str, float]]) -> list[str]:
    """One message per failed gate, naming it, e.g. 'auto_precision 0.91 < min 0.95'."""
    failures: list[str] = []
    for metric, bound in gates.items():
        value = float(metrics.get(metric, 0.0))
        if "min" in bound and value < bound["min"]:
            failures.append(f"{metric} {value:.4g} < min {bound['min']:.4g}")
        if "max" in bound and value > bound["max"]:
            failures.append(f"{metric} {value:.4g} > max {bound['max']:.4g}")
    return failures
