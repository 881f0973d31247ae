"""TF-IDF features refitted inside each cross-validation fold, at the cost of one counting pass.

Out-of-fold scores are what calibration and the thresholds learn from, so they must come from
models that never saw the held-out rows, vectoriser included: a vocabulary and IDF weights fitted
on all the data leak the held-out texts' words into the fold. Refitting each fold's vectorisers
from scratch would tokenise the corpus once per fold; instead every text is counted once with
the vocabulary of all the data, and each fold keeps the columns its own training rows would have
kept (`min_df`) with IDF weights from those rows only. For the rows it scores this equals a
`TfidfVectorizer` fitted on the fold, up to the order of the columns, which a linear model
ignores.

Near-paraphrases of one label (people writing the same request in nearly the same words) are
kept in the same fold by `paraphrase_groups` when training asks for it: when one of a pair is
held out while its twin trains the model, the held-out score is as sure as a score on a
memorised example, and thresholds learned from such scores route new tickets that are not
paraphrases of anything too eagerly. On CLINC150, whose training queries are crowd-written
paraphrases, grouping at 0.55 makes the out-of-fold accuracy match the validation set's (0.93,
where plain folds give 0.955). On hand-written tickets and on Banking77 the held-out sets are
easier than plain folds already say, and grouping only costs coverage, so it is off by default
(TRIAGE_PARAPHRASE_SIMILARITY).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray
from scipy.sparse.csgraph import connected_components
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer
from sklearn.pipeline import FeatureUnion
from sklearn.preprocessing import normalize

_TFIDF_ONLY = ("norm", "use_idf", "smooth_idf", "sublinear_tf")


def _counter(vectoriser: TfidfVectorizer) -> CountVectorizer:
    params = vectoriser.get_params()
    for name in _TFIDF_ONLY:
        params.pop(name)
    # Every term is counted; each fold applies the document-frequency limits to its own rows.
    params.update(min_df=1, max_df=1.0, max_features=None, vocabulary=None)
    return CountVectorizer(**params)


def _check(vectoriser: TfidfVectorizer) -> None:
    if vectoriser.max_df != 1.0 or vectoriser.max_features is not None:
        raise ValueError("fold features support min_df only, not max_df or max_features")
    if not isinstance(vectoriser.min_df, int):
        raise ValueError("fold features need an integer min_df")


class FoldFeatures:
    """Counts every text once; `matrix(train)` is the TF-IDF a fold fitted on `train` yields."""

    def __init__(self, union: FeatureUnion, texts: Sequence[str]) -> None:
        self._parts: list[tuple[TfidfVectorizer, sp.csr_matrix]] = []
        for _, vectoriser in union.transformer_list:
            if not isinstance(vectoriser, TfidfVectorizer):
                raise ValueError("fold features need TfidfVectorizer parts")
            _check(vectoriser)
            counts = sp.csr_matrix(_counter(vectoriser).fit_transform(texts), dtype=np.float64)
            self._parts.append((vectoriser, counts))

    def matrix(self, train: NDArray[np.int_]) -> sp.csr_matrix:
        """All rows, weighted and normalised as by vectorisers fitted on the rows `train`."""
        return sp.hstack([_part(v, c, train) for v, c in self._parts], format="csr")


def _part(vectoriser: TfidfVectorizer, counts: sp.csr_matrix, train: NDArray[np.int_]) -> Any:
    document_frequency = np.asarray((counts[train] > 0).sum(axis=0)).ravel()
    kept = document_frequency >= vectoriser.min_df
    matrix = counts[:, kept]
    if vectoriser.sublinear_tf:
        matrix.data = np.log(matrix.data) + 1.0
    if vectoriser.use_idf:
        n, df = float(train.size), document_frequency[kept].astype(np.float64)
        smooth = 1.0 if vectoriser.smooth_idf else 0.0
        idf = np.log((n + smooth) / (df + smooth)) + 1.0
        matrix = matrix @ sp.diags(idf)
    return normalize(matrix, norm=vectoriser.norm) if vectoriser.norm else matrix


def paraphrase_groups(
    texts: Sequence[str],
    y: NDArray[np.int_],
    preprocessor: Any,
    similarity: float,
) -> NDArray[np.int_]:
    """A group id per text: examples of one label at least `similarity` alike, and the examples
    alike to those, share a group. Only pairs within a label are compared (a block per label)."""
    words = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, preprocessor=preprocessor)
    matrix = sp.csr_matrix(words.fit_transform(texts))
    rows: list[NDArray[np.int_]] = []
    cols: list[NDArray[np.int_]] = []
    for label in np.unique(y):
        members = np.flatnonzero(y == label)
        alike = sp.coo_matrix(matrix[members] @ matrix[members].T)
        keep = alike.data >= similarity
        rows.append(members[alike.row[keep]])
        cols.append(members[alike.col[keep]])
    edges = np.concatenate(rows), np.concatenate(cols)
    graph = sp.coo_matrix((np.ones(edges[0].size), edges), shape=(len(texts), len(texts)))
    return np.asarray(connected_components(graph, directed=False)[1], dtype=int)
