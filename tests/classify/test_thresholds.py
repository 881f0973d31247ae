import numpy as np
import pytest

from triage.classify.thresholds import (
    SHRINK,
    category_threshold,
    choose_thresholds,
    hindsight_coverage,
    shrunk,
)


def test_lowest_cutoff_that_reaches_the_target():
    conf = np.array([0.99, 0.98, 0.97, 0.96, 0.90, 0.80])
    correct = np.array([True, True, True, True, False, False])
    # Down to 0.96 every prediction is right; adding 0.90 drops precision to 0.8.
    assert category_threshold(conf, correct, 0.95) == 0.96
    assert category_threshold(conf, correct, 0.8) == 0.9


def test_threshold_may_sit_below_the_target_when_the_predictions_earn_it():
    # Calibrated or not, predictions at 0.5-0.7 that are all right route: the promise is about
    # the routed tickets' precision, not about each ticket's own probability.
    conf = np.array([0.7, 0.6, 0.5])
    correct = np.array([True, True, True])
    assert category_threshold(conf, correct, 0.95) == 0.5


def test_unreachable_target_means_no_threshold():
    conf = np.array([0.99, 0.98, 0.97])
    correct = np.array([False, True, True])
    assert category_threshold(conf, correct, 0.95) is None
    assert category_threshold(np.array([]), np.array([], dtype=bool), 0.95) is None


def test_tied_confidences_route_together():
    conf = np.array([0.99, 0.97, 0.97, 0.97])
    correct = np.array([True, True, True, False])
    # Precision at 0.97 counts all three tied predictions: 3/4 < 0.95, so only 0.99 qualifies.
    assert category_threshold(conf, correct, 0.95) == 0.99


def test_hindsight_coverage_is_the_best_single_cutoff():
    conf = [0.99, 0.98, 0.97, 0.96, 0.90, 0.80, 0.70, 0.60]
    correct = [True, True, True, True, False, True, True, False]
    # At 0.8 precision the cut-off 0.70 routes 7 of 8 (6 right): 6/7 = 0.857.
    assert hindsight_coverage(conf, correct, 0.8) == 7 / 8
    assert hindsight_coverage(conf, correct, 0.95) == 4 / 8
    assert hindsight_coverage([0.9], [False], 0.5) == 0.0


def test_a_category_is_shrunk_toward_the_shared_cutoff_by_its_sample_size():
    assert shrunk(0.6, 0.9, 0) == 0.9
    assert shrunk(0.6, 0.9, int(SHRINK)) == pytest.approx(0.75)
    assert shrunk(0.6, 0.9, 10_000) == pytest.approx(0.6, abs=0.001)
    # A category that never reaches the target alone is pulled up toward 1.0.
    assert shrunk(None, 0.9, int(SHRINK)) == pytest.approx(0.95)


def _three_categories() -> tuple[list[str], list[str], list[float]]:
    # 40 predictions each of "a" and "b" at 0.60, 0.61, ... 0.99; "b" is wrong at 0.60 and 0.61.
    # "c" is predicted twice, right, at 0.99.
    steps = [round(0.60 + 0.01 * i, 2) for i in range(40)]
    y_true = ["a"] * 40 + ["a", "a"] + ["b"] * 38 + ["c", "c"]
    y_pred = ["a"] * 40 + ["b"] * 40 + ["c", "c"]
    return y_true, y_pred, steps + steps + [0.99, 0.99]


def test_choose_thresholds_shares_one_cutoff_and_shrinks_each_category_toward_it():
    y_true, y_pred, conf = _three_categories()
    counts = {"a": 42, "b": 38, "c": 2}
    chosen = choose_thresholds(["a", "b", "c"], y_true, y_pred, conf, 0.98, counts, 3)
    # Shared (a and b together): 77 of 78 right from 0.61 up = 0.987; from 0.60, 78/80 = 0.975.
    # Own: "a" is always right (0.60); "b" is 38/39 from 0.61, 38/38 from 0.62.
    assert chosen["a"] == pytest.approx((40 * 0.60 + SHRINK * 0.61) / (40 + SHRINK), abs=1e-6)
    assert chosen["b"] == pytest.approx((40 * 0.62 + SHRINK * 0.61) / (40 + SHRINK), abs=1e-6)
    assert chosen["c"] is None  # fewer training examples than the minimum


def test_never_route_labels_and_unreachable_targets_get_no_threshold():
    y_true, y_pred, conf = _three_categories()
    counts = {"a": 42, "b": 38, "c": 2}
    chosen = choose_thresholds(["a", "b", "c"], y_true, y_pred, conf, 0.9, counts, 1, {"a"})
    assert chosen["a"] is None and chosen["b"] is not None and chosen["c"] is not None
    wrong = ["b"] * len(y_true)
    assert choose_thresholds(["a", "b"], y_true, wrong, conf, 0.99, counts, 1) == {
        "a": None,
        "b": None,
    }
