"""Score one text without scikit-learn's per-call overhead.

`Pipeline.decision_function` on a single ticket spends most of its time validating inputs and
building sparse matrices. This computes the same numbers directly from the fitted vectorisers'
analyzers, vocabularies and IDF weights and the SVM's coefficients; the tests check it agrees
with the pipeline. Batches still go through the pipeline, which is faster for many texts.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import Pipeline


@dataclass(frozen=True)
class _Part:
    analyzer: Callable[[str], list[str]]
    vocabulary: dict[str, int]
    idf: NDArray[np.float64]
    sublinear: bool
    offset: int


def _part(vectoriser: TfidfVectorizer, offset: int) -> _Part:
    if vectoriser.norm != "l2" or not vectoriser.use_idf:
        raise ValueError("the fast path supports l2-normalised TF-IDF only")
    return _Part(
        vectoriser.build_analyzer(),
        dict(vectoriser.vocabulary_),
        np.asarray(vectoriser.idf_, dtype=np.float64),
        bool(vectoriser.sublinear_tf),
        offset,
    )


class FastScorer:
    """Decision scores for one text, equal to `pipeline.decision_function([text])[0]`."""

    def __init__(self, pipeline: Pipeline) -> None:
        union: Any = pipeline.named_steps["features"]
        classifier: Any = pipeline.named_steps["classifier"]
        if union.transformer_weights:
            raise ValueError("the fast path does not support weighted feature unions")
        self.parts: list[_Part] = []
        offset = 0
        for _name, vectoriser in union.transformer_list:
            self.parts.append(_part(vectoriser, offset))
            offset += len(vectoriser.vocabulary_)
        self.coef = np.asarray(classifier.coef_, dtype=np.float64)
        self.intercept = np.asarray(classifier.intercept_, dtype=np.float64)

    def _weights(self, part: _Part, text: str) -> tuple[NDArray[np.int_], NDArray[np.float64]]:
        vocabulary = part.vocabulary
        counts = Counter(vocabulary[t] for t in part.analyzer(text) if t in vocabulary)
        index = np.fromiter(counts.keys(), dtype=np.int64, count=len(counts))
        tf = np.fromiter(counts.values(), dtype=np.float64, count=len(counts))
        if part.sublinear:
            tf = np.log(tf) + 1.0
        weights = tf * part.idf[index]
        norm = float(np.sqrt(weights @ weights))
        return index + part.offset, weights / norm if norm > 0 else weights

    def scores(self, text: str) -> NDArray[np.float64]:
        total = self.intercept.copy()
        for part in self.parts:
            index, weights = self._weights(part, text)
            if index.size:
                total += self.coef[:, index] @ weights
        if total.size == 1:
            return np.asarray([-total[0], total[0]], dtype=np.float64)
        return total
