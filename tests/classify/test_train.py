import numpy as np
import pytest

from tests.classify.samples import EXAMPLES
from triage.classify.classifier import TrainedModel
from triage.classify.data import UNCLEAR, DataError, Example
from triage.classify.train import MAX_REPEATS, REPEAT_UNTIL, repeats_for, train


@pytest.fixture(scope="module")
def model() -> TrainedModel:
    return train(
        EXAMPLES,
        target_precision=0.9,
        min_examples=8,
        categories=["payout_failure", "refund_issue", "account_access", "webhook_failure", "kyc"],
    )


def test_predicts_clear_tickets(model: TrainedModel):
    assert (
        model.predict("the bank returned our payout, account closed").category == "payout_failure"
    )
    assert model.predict("customer never received the refund").category == "refund_issue"
    assert model.predict("2FA code rejected, cannot log in").category == "account_access"


def test_categories_with_too_little_data_never_auto_route(model: TrainedModel):
    assert model.thresholds["webhook_failure"] is None
    assert model.thresholds["kyc"] is None  # in the taxonomy, no data at all
    prediction = model.predict("webhooks are arriving twice")
    assert prediction.threshold is None and prediction.auto is False


def test_thresholds_and_auto_routing(model: TrainedModel):
    for category in ("payout_failure", "refund_issue", "account_access"):
        threshold = model.thresholds[category]
        # No floor at the target itself: the cut-off is wherever out-of-fold precision holds.
        assert threshold is None or 0.0 < threshold <= 1.0
    for prediction in model.predict_many([e.text for e in EXAMPLES]):
        threshold = prediction.threshold
        assert prediction.auto == (threshold is not None and prediction.confidence >= threshold)


def test_prediction_shape(model: TrainedModel):
    prediction = model.predict("refund stuck in pending")
    assert len(prediction.top) == 3
    assert prediction.top[0] == (prediction.category, prediction.confidence)
    assert sum(p for _, p in prediction.top) <= 1.0 + 1e-9
    assert prediction.as_dict()["route"] in {"auto", "review"}


def test_single_predict_matches_the_batch_pipeline(model: TrainedModel):
    texts = ["payout failed", "Remboursement jamais reçu!!", "", "zzzz qqqq"]
    batch = model.probabilities(texts)
    for text, row in zip(texts, batch, strict=True):
        single = dict(model.predict(text).top)
        for category, probability in single.items():
            assert np.isclose(probability, row[model.labels.index(category)])


def test_metadata_records_cross_validation(model: TrainedModel):
    assert model.metadata["n_train"] == len(EXAMPLES)
    assert set(model.metadata["metrics"]["cv"]) >= {"accuracy", "auto_rate", "auto_precision"}
    assert len(model.metadata["training_data_hash"]) == 64


def test_small_sets_pool_several_rounds_of_cross_validation(model: TrainedModel):
    assert repeats_for(len(EXAMPLES)) == model.metadata["cv_rounds"] == MAX_REPEATS
    assert repeats_for(REPEAT_UNTIL // 2) == 2
    assert repeats_for(15_000) == 1
    # Each round scores every example once, so the pooled metrics rest on all of them.
    per_class = model.metadata["metrics"]["cv"]["per_class"]
    assert sum(c["support"] for c in per_class.values()) == MAX_REPEATS * len(EXAMPLES)


def test_unclear_is_learned_but_never_auto_routes():
    vague = [
        "hi",
        "hello, anyone there?",
        "please call me back",
        "thanks a lot!",
        "I am out of the office until Monday",
        "Automatic reply: on holiday",
        "Bonjour, pouvez-vous me rappeler ?",
        "Vielen Dank!",
        "WIN A FREE CRUISE click here",
        "our newsletter for June is out",
    ]
    examples = [*EXAMPLES, *(Example(text, UNCLEAR) for text in vague)]
    model = train(examples, target_precision=0.9, min_examples=5)
    assert model.thresholds[UNCLEAR] is None
    prediction = model.predict("hello, please call me back")
    assert prediction.category == UNCLEAR and prediction.auto is False


def test_needs_two_categories():
    with pytest.raises(DataError, match="two categories"):
        train([Example("a", "x"), Example("b", "x")], target_precision=0.95, min_examples=1)
