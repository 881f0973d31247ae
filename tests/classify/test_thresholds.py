import numpy as np

from triage.classify.thresholds import category_threshold, choose_thresholds


def test_lowest_cutoff_that_reaches_the_target():
    conf = np.array([0.99, 0.98, 0.97, 0.96, 0.90, 0.80])
    correct = np.array([True, True, True, True, False, False])
    # Down to 0.96 every prediction is right; adding 0.90 drops precision to 0.8.
    assert category_threshold(conf, correct, 0.95) == 0.96
    assert category_threshold(conf, correct, 0.8) == 0.9


def test_threshold_is_never_below_the_target_itself():
    conf = np.array([0.7, 0.6, 0.5])
    correct = np.array([True, True, True])
    assert category_threshold(conf, correct, 0.95) == 0.95


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


def test_choose_thresholds_per_category():
    y_true = ["a"] * 5 + ["b"] * 5 + ["c"] * 2
    y_pred = ["a"] * 5 + ["a", "b", "b", "b", "b"] + ["c"] * 2
    conf = [0.99, 0.98, 0.97, 0.96, 0.955, 0.999, 0.99, 0.98, 0.97, 0.96, 0.99, 0.99]
    chosen = choose_thresholds(
        ["a", "b", "c"], y_true, y_pred, conf, 0.95, {"a": 5, "b": 5, "c": 2}, min_examples=3
    )
    # "a" was predicted for a "b" ticket at the highest confidence: it can never reach 0.95.
    assert chosen["a"] is None
    assert chosen["b"] == 0.96
    # "c" is always right but has fewer examples than the minimum.
    assert chosen["c"] is None
