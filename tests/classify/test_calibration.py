import numpy as np

from triage.classify.calibration import expected_calibration_error, fit_temperature
from triage.classify.classifier import softmax


def test_fit_temperature_recovers_the_generating_temperature():
    rng = np.random.default_rng(0)
    logits = rng.normal(0, 3, size=(4000, 5))
    probabilities = softmax(logits, 1.0)
    y = np.array([rng.choice(5, p=p) for p in probabilities])
    # Scores that are the true logits times 4 need temperature 4 to be calibrated again.
    assert abs(fit_temperature(logits * 4.0, y) - 4.0) < 0.4


def test_ece_is_zero_when_confidence_matches_accuracy():
    conf = [0.75] * 8
    correct = [True] * 6 + [False] * 2
    assert expected_calibration_error(conf, correct) == 0.0


def test_ece_measures_overconfidence():
    conf = [0.99] * 10
    correct = [True] * 5 + [False] * 5
    assert abs(expected_calibration_error(conf, correct) - 0.49) < 1e-9
    assert expected_calibration_error([], []) == 0.0


def test_softmax_rows_sum_to_one_and_keep_the_ranking():
    scores = np.array([[2.0, 1.0, -1.0], [0.0, 0.5, 0.1]])
    probabilities = softmax(scores, 0.5)
    assert np.allclose(probabilities.sum(axis=1), 1.0)
    assert list(probabilities.argmax(axis=1)) == [0, 1]
