"""Fold features must equal vectorisers fitted on the fold: that is what makes the scores honest."""

import numpy as np
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import FeatureUnion

from tests.classify.samples import EXAMPLES
from triage.classify.classifier import build_features
from triage.classify.folds import FoldFeatures

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
