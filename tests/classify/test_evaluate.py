from pathlib import Path

import pytest

from triage.classify.data import DataError
from triage.classify.evaluate import against_hindsight, check_gates, load_gates, summarise


def test_summarise_counts_auto_routing_and_out_of_scope():
    y_true = ["a", "a", "b", "b", "oos"]
    y_pred = ["a", "b", "b", "b", "a"]
    conf = [0.99, 0.6, 0.97, 0.9, 0.98]
    auto = [True, False, True, False, True]
    result = summarise(y_true, y_pred, conf, auto, known=["a", "b"])
    assert result["n"] == 5
    assert result["accuracy"] == 0.6
    assert result["auto_rate"] == 0.6
    # Three auto-routed: a (right), b (right), the out-of-scope one (wrong).
    assert result["auto_precision"] == round(2 / 3, 4)
    assert result["out_of_scope"] == {"n": 1, "auto_rate": 1.0}
    assert result["per_class"]["b"] == {"precision": 0.6667, "recall": 1.0, "f1": 0.8, "support": 2}


def test_check_gates_names_each_failed_gate():
    metrics = {"accuracy": 0.9, "auto_precision": 0.93, "ece": 0.2}
    gates = {"accuracy": {"min": 0.85}, "auto_precision": {"min": 0.95}, "ece": {"max": 0.1}}
    failures = check_gates(metrics, gates)
    assert failures == ["auto_precision 0.93 < min 0.95", "ece 0.2 > max 0.1"]


def test_load_gates_rejects_unknown_metrics(tmp_path: Path):
    path = tmp_path / "gates.yaml"
    path.write_text("gates:\n  accuracy: {min: 0.8}\n")
    assert load_gates(path) == {"accuracy": {"min": 0.8}}
    path.write_text("gates:\n  vibes: {min: 0.8}\n")
    with pytest.raises(DataError, match="vibes"):
        load_gates(path)


def test_hindsight_counts_only_predictions_that_may_route():
    y_true = ["a", "a", "b", "b", "unclear"]
    y_pred = ["a", "a", "b", "a", "unclear"]
    conf = [0.99, 0.95, 0.9, 0.5, 0.99]
    routable = [True, True, True, True, False]
    # The best cut-off at full precision is 0.9: three of five rows; "unclear" never routes.
    assert against_hindsight(y_true, y_pred, conf, routable, 1.0) == {
        "target_precision": 1.0,
        "hindsight_auto_rate": 0.6,
    }
    assert against_hindsight(y_true, y_pred, conf, routable, 0.75)["hindsight_auto_rate"] == 0.8
