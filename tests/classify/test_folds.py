"""Fold features must equal vectorisers fitted on the fold: that is what makes the scores honest."""

import numpy as np
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import FeatureUnion

from tests.classify.samples import EXAMPLES
from triage.classify.classifier import build_features, normalise
from triage.classify.data import Example
from triage.classify.folds import FoldFeatures, paraphrase_groups
from triage.classify.train import train

TEXTS = [example.text for example in EXAMPLES]


def _gram(matrix: object) -> np.ndarray:
    # Row-by-row inner products do not depend on the order of the columns.
    return np.asarray((matrix @ matrix.T).todense())  # type: ignore[operator]


def test_fold_matrix_equals_vectorisers_fitted_on_the_fold_only():
    train = np.arange(0, len(TEXTS), 3)  # a third of the rows; the rest are held out
    fitted = build_features().fit([TEXTS[i] for i in train])
    expected = _gram(fitted.transform(TEXTS))
    got = _gram(FoldFeatures(build_features(), TEXTS).matrix(train))
    assert np.allclose(got, expected)
    # Fitting on every text (the leak this replaces) gives different held-out features.
    leaky = _gram(build_features().fit(TEXTS).transform(TEXTS))
    assert not np.allclose(leaky, expected)


def test_plain_settings_are_reproduced_too():
    union = FeatureUnion([("w", TfidfVectorizer(use_idf=False, norm=None, min_df=3))])
    train = np.arange(1, len(TEXTS), 2)
    expected = _gram(
        FeatureUnion(union.transformer_list).fit([TEXTS[i] for i in train]).transform(TEXTS)
    )
    assert np.allclose(_gram(FoldFeatures(union, TEXTS).matrix(train)), expected)


@pytest.mark.parametrize("options", [{"max_df": 0.5}, {"max_features": 10}, {"min_df": 0.1}])
def test_settings_it_cannot_reproduce_are_refused(options: dict[str, object]):
    union = FeatureUnion([("w", TfidfVectorizer(**options))])  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="min_df"):
        FoldFeatures(union, TEXTS)


def test_paraphrases_of_one_label_share_a_group_and_other_labels_never_do():
    texts = [
        "my payout did not arrive today",
        "My payout did NOT arrive today!",  # the first, retyped
        "the payout did not arrive, bank says account closed",
        "my payout did not arrive today",  # written under another label
        "cannot log in to the dashboard",
    ]
    y = np.array([0, 0, 0, 1, 2])
    groups = paraphrase_groups(texts, y, normalise, 0.7)
    assert groups[0] == groups[1]
    assert groups[2] != groups[0]
    assert groups[3] != groups[0]  # identical words, but another label
    assert len(set(groups.tolist())) == 4
    # Transitive: a chain of paraphrases is one group.
    assert len(set(paraphrase_groups(texts, y, normalise, 0.2).tolist())) < 4


def test_training_keeps_paraphrases_in_one_fold():
    twins = [Example(e.text + " please", e.label) for e in EXAMPLES]
    plain = train(EXAMPLES + twins, target_precision=0.9, min_examples=8)
    grouped = train(
        EXAMPLES + twins, target_precision=0.9, min_examples=8, paraphrase_similarity=0.8
    )
    # A held-out example whose twin trained the fold is scored as if memorised: grouping takes
    # that away, so the honest out-of-fold accuracy is lower.
    plain_accuracy = plain.metadata["metrics"]["cv"]["accuracy"]
    grouped_accuracy = grouped.metadata["metrics"]["cv"]["accuracy"]
    assert grouped_accuracy < plain_accuracy
    assert grouped.metadata["paraphrase_similarity"] == 0.8
