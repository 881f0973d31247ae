import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from triage.classify.thresholds import (
    category_threshold,
    choose_thresholds,
    hindsight_coverage,
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


def _routed_precision(
    chosen: dict[str, float | None], y_true: list[str], y_pred: list[str], conf: list[float]
) -> tuple[float, float]:
    routed = [
        chosen.get(p) is not None and c >= chosen[p]  # type: ignore[operator]
        for p, c in zip(y_pred, conf, strict=True)
    ]
    hits = [r and t == p for r, t, p in zip(routed, y_true, y_pred, strict=True)]
    n = sum(routed)
    return (sum(hits) / n if n else 1.0), n / len(routed)


def _easy_and_hard() -> tuple[list[str], list[str], list[float]]:
    # 200 predictions each at 0.500, 0.5025, ... 0.9975. "easy" is always right; "hard" is
    # wrong on every other prediction below 0.9 and right from 0.9 up.
    steps = [0.5 + 0.0025 * i for i in range(200)]
    hard_true = ["easy" if c < 0.9 and i % 2 else "hard" for i, c in enumerate(steps)]
    return ["easy"] * 200 + hard_true, ["easy"] * 200 + ["hard"] * 200, steps + steps


def test_one_cut_for_all_routes_the_easy_category_from_a_lower_confidence():
    y_true, y_pred, conf = _easy_and_hard()
    counts = {"easy": 280, "hard": 120}
    chosen = choose_thresholds(["easy", "hard"], y_true, y_pred, conf, 0.95, counts, 20)
    easy, hard = chosen["easy"], chosen["hard"]
    assert easy is not None and hard is not None
    assert easy < 0.6 < 0.8 < hard
    precision, coverage = _routed_precision(chosen, y_true, y_pred, conf)
    assert 0.95 <= precision < 0.97
    # One cut on confidence alone would have to stop above the hard category's mistakes.
    single = hindsight_coverage(conf, [t == p for t, p in zip(y_true, y_pred, strict=True)], 0.95)
    assert coverage > single + 0.2


def test_a_category_with_few_predictions_follows_the_shared_curve():
    y_true, y_pred, conf = _easy_and_hard()
    # Three predictions of "rare", all right, at 0.55: alone they would route from 0.55.
    y_true, y_pred, conf = y_true + ["rare"] * 3, y_pred + ["rare"] * 3, conf + [0.55] * 3
    counts = {"easy": 280, "hard": 120, "rare": 30}
    chosen = choose_thresholds(["easy", "hard", "rare"], y_true, y_pred, conf, 0.95, counts, 20)
    rare, easy, hard = chosen["rare"], chosen["easy"], chosen["hard"]
    assert rare is not None and easy is not None and hard is not None
    assert easy < rare < hard


def test_never_route_labels_and_small_categories_get_no_threshold():
    y_true, y_pred, conf = _easy_and_hard()
    counts = {"easy": 280, "hard": 10}
    chosen = choose_thresholds(["easy", "hard"], y_true, y_pred, conf, 0.9, counts, 20)
    assert chosen["hard"] is None and chosen["easy"] is not None
    chosen = choose_thresholds(["easy", "hard"], y_true, y_pred, conf, 0.9, counts, 1, {"easy"})
    assert chosen["easy"] is None and chosen["hard"] is not None


def test_unreachable_target_routes_nothing_and_all_right_routes_everything():
    wrong = ["b"] * 4
    assert choose_thresholds(["a", "b"], ["a"] * 4, wrong, [0.9] * 4, 0.5, {"b": 9}, 1) == {
        "a": None,
        "b": None,
    }
    chosen = choose_thresholds(
        ["a", "b"], ["a", "b"], ["a", "b"], [0.4, 0.7], 0.99, {"a": 5, "b": 5}, 1
    )
    assert chosen == {"a": 0.4, "b": 0.4}


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        # Confidences on a grid: ties are exact, as the model's own are.
        st.tuples(
            st.sampled_from("abc"), st.booleans(), st.integers(34, 100).map(lambda i: i / 100)
        ),
        min_size=5,
        max_size=120,
    ),
    st.sampled_from([0.8, 0.9, 0.95, 0.99]),
)
def test_the_routed_out_of_fold_predictions_reach_the_target(
    rows: list[tuple[str, bool, float]], target: float
) -> None:
    y_pred = [p for p, _, _ in rows]
    y_true = [p if right else "other" for p, right, _ in rows]
    conf = [c for _, _, c in rows]
    counts = {"a": 50, "b": 50, "c": 50}
    chosen = choose_thresholds(["a", "b", "c", "other"], y_true, y_pred, conf, target, counts, 1)
    precision, _coverage = _routed_precision(chosen, y_true, y_pred, conf)
    assert precision >= target
