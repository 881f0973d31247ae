"""Score one text without scikit-learn's per-call overhead.

`Pipeline.decision_function` on a single ticket spends most of its time validating inputs and
building sparse matrices. This computes the same numbers directly from the fitted vectorisers'
vocabularies and IDF weights and the SVM's coefficients; the tests check it agrees with the
pipeline. Batches still go through the pipeline, which is faster for many texts.

Without sklearn's overhead, most of the time went into building a Python string for each of the
hundreds of character n-grams in a ticket only to look it up and count it, so the char_wb
features are computed in numpy instead (`_CharWbGrams`). The word n-grams are few and stay in
Python. Any configuration not reproduced here falls back to the vectoriser's `build_analyzer()`.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable
from itertools import repeat
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import Pipeline

Ints = NDArray[np.int64]
Preprocess = Callable[[str], str]
# The pattern sklearn's `_char_wb_ngrams` collapses whitespace with.
_WHITE_SPACES = re.compile(r"\s\s+")


def _count(vocabulary: dict[str, int], grams: list[str], missing: int) -> tuple[Ints, Ints]:
    # Counting the strings first (Counter's C loop) leaves one lookup per distinct gram; grams
    # outside the vocabulary get the index `missing`, whose IDF and coefficients are zero.
    counts = Counter(grams)
    ids = np.fromiter(map(vocabulary.get, counts, repeat(missing)), np.int64, len(counts))
    return ids, np.fromiter(counts.values(), np.int64, len(counts))


class _AnalyzerGrams:
    """Any vectoriser: its own analyzer on the raw text (it preprocesses for itself)."""

    preprocess: Preprocess | None = None

    def __init__(self, vectoriser: TfidfVectorizer) -> None:
        self.analyzer: Callable[[str], list[str]] = vectoriser.build_analyzer()
        self.vocabulary: dict[str, int] = dict(vectoriser.vocabulary_)

    def ids(self, text: str) -> tuple[Ints, Ints]:
        return _count(self.vocabulary, self.analyzer(text), len(self.vocabulary))


class _WordGrams:
    """analyzer="word": sklearn's tokenizer and stop words, then the same n-grams as its
    `_word_ngrams` (in another order, which counting ignores)."""

    def __init__(self, vectoriser: TfidfVectorizer) -> None:
        self.preprocess: Preprocess | None = vectoriser.build_preprocessor()
        self.tokenize: Callable[[str], list[str]] = vectoriser.build_tokenizer()
        self.stop_words: frozenset[str] | None = vectoriser.get_stop_words()
        self.low, self.high = vectoriser.ngram_range
        self.vocabulary: dict[str, int] = dict(vectoriser.vocabulary_)

    def ids(self, text: str) -> tuple[Ints, Ints]:
        tokens = self.tokenize(text)
        if self.stop_words is not None:
            tokens = [t for t in tokens if t not in self.stop_words]
        grams: list[str] = []
        for n in range(self.low, self.high + 1):
            # zip stops at the shortest slice, so it yields exactly the runs of n tokens.
            runs = zip(*[tokens[k:] for k in range(n)], strict=False)
            grams += tokens if n == 1 else map(" ".join, runs)
        return _count(self.vocabulary, grams, len(self.vocabulary))


class _CharWbGrams:
    """analyzer="char_wb" without a Python string per n-gram.

    sklearn pads each whitespace-separated word with a space on both sides and takes its
    n-grams. Joined, the padded words read " w1  w2 ... "; its length-n windows are exactly the
    words' n-grams plus windows straddling two words, which all contain two adjacent spaces and so
    match no vocabulary term (`supports` checks). A padded word has at least 3 characters, so
    while the smallest n is at most 3 sklearn's "count a short word once" rule never applies.
    Each character becomes a code (1..A over the vocabulary's alphabet, A + 1 for any other) and
    each window its codes packed into one integer: windows are then counted with one sort and
    matched against the vocabulary's sorted keys with one `searchsorted`.
    """

    def __init__(self, vectoriser: TfidfVectorizer) -> None:
        self.preprocess: Preprocess | None = vectoriser.build_preprocessor()
        self.low, self.high = vectoriser.ngram_range
        vocabulary: dict[str, int] = vectoriser.vocabulary_
        alphabet = sorted({c for term in vocabulary for c in term})
        code = {c: i + 1 for i, c in enumerate(alphabet)}
        bits = (len(alphabet) + 1).bit_length()
        # 32-bit keys sort faster than 64-bit ones; most vocabularies fit in them.
        dtype = np.uint32 if self.high * bits < 32 else np.uint64
        self.shifts: list[np.unsignedinteger[Any]] = [dtype(bits * k) for k in range(self.high)]
        # Code points to codes; everything past the last table entry is "other" too.
        self.table: NDArray[np.unsignedinteger[Any]] = np.full(
            ord(alphabet[-1]) + 2, len(alphabet) + 1, dtype=dtype
        )
        self.table[[ord(c) for c in alphabet]] = np.arange(1, len(alphabet) + 1)
        keys = np.array(
            [sum(code[c] << (bits * k) for k, c in enumerate(term)) for term in vocabulary], dtype
        )
        order = np.argsort(keys)
        # A final all-ones key keeps every `searchsorted` position in range; `supports` makes
        # sure no window can equal it.
        self.keys = np.append(keys[order], np.iinfo(dtype).max).astype(dtype)
        ids = np.fromiter(vocabulary.values(), np.int64, len(vocabulary))[order]
        self.key_ids = np.append(ids, len(vocabulary))

    @staticmethod
    def supports(vectoriser: TfidfVectorizer) -> bool:
        low, high = vectoriser.ngram_range
        alphabet = {c for term in vectoriser.vocabulary_ for c in term}
        return (
            1 <= low <= 3
            and high * (len(alphabet) + 1).bit_length() < 64
            and all(low <= len(t) <= high and "  " not in t for t in vectoriser.vocabulary_)
        )

    def ids(self, text: str) -> tuple[Ints, Ints]:
        words = _WHITE_SPACES.sub(" ", text).split()
        if not words:
            return np.empty(0, np.int64), np.empty(0, np.int64)
        padded = " " + "  ".join(words) + " "
        points = np.frombuffer(padded.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
        codes = self.table.take(np.minimum(points, len(self.table) - 1))
        windows = [codes] if self.low == 1 else []
        key = codes
        for n in range(2, self.high + 1):
            key = key[:-1] | (codes[n - 1 :] << self.shifts[n - 1])
            if n >= self.low:
                windows.append(key)
        # np.unique(return_counts=True) without its overhead, large on arrays this small.
        ordered = np.sort(np.concatenate(windows))
        ends = np.empty(ordered.size, dtype=bool)
        ends[-1] = True
        np.not_equal(ordered[1:], ordered[:-1], out=ends[:-1])
        last = ends.nonzero()[0]
        counts = np.empty_like(last)
        counts[0] = last[0] + 1
        np.subtract(last[1:], last[:-1], out=counts[1:])
        unique = ordered.take(last)
        at = self.keys.searchsorted(unique)
        found = self.keys.take(at) == unique
        return np.where(found, self.key_ids.take(at), self.key_ids[-1]), counts


_Grams = _AnalyzerGrams | _WordGrams | _CharWbGrams


def _grams(vectoriser: TfidfVectorizer) -> _Grams:
    # Our n-gram code assumes str input and sklearn's built-in analyzers; anything else (file
    # input, callable or "char" analyzers, unusual vocabularies) keeps sklearn's analyzer.
    if vectoriser.input != "content" or not vectoriser.vocabulary_:
        return _AnalyzerGrams(vectoriser)
    if vectoriser.analyzer == "word":
        return _WordGrams(vectoriser)
    if vectoriser.analyzer == "char_wb" and _CharWbGrams.supports(vectoriser):
        return _CharWbGrams(vectoriser)
    return _AnalyzerGrams(vectoriser)


class _Part:
    def __init__(self, vectoriser: TfidfVectorizer, coef: NDArray[np.float64]) -> None:
        if vectoriser.norm != "l2" or not vectoriser.use_idf:
            raise ValueError("the fast path supports l2-normalised TF-IDF only")
        self.grams = _grams(vectoriser)
        self.sublinear = bool(vectoriser.sublinear_tf)
        self.binary = bool(vectoriser.binary)
        # One extra zero row for grams outside the vocabulary; features x classes, C-contiguous,
        # so the per-call gather reads whole rows.
        self.idf = np.append(np.asarray(vectoriser.idf_, dtype=np.float64), 0.0)
        self.coef = np.zeros((coef.shape[0] + 1, coef.shape[1]))
        self.coef[:-1] = coef


class FastScorer:
    """Decision scores for one text, equal to `pipeline.decision_function([text])[0]`."""

    def __init__(self, pipeline: Pipeline) -> None:
        union: Any = pipeline.named_steps["features"]
        classifier: Any = pipeline.named_steps["classifier"]
        if union.transformer_weights:
            raise ValueError("the fast path does not support weighted feature unions")
        coef = np.asarray(classifier.coef_, dtype=np.float64).T
        self.parts: list[_Part] = []
        offset = 0
        for _name, vectoriser in union.transformer_list:
            size = len(vectoriser.vocabulary_)
            self.parts.append(_Part(vectoriser, coef[offset : offset + size]))
            offset += size
        self.intercept = np.asarray(classifier.intercept_, dtype=np.float64)

    def scores(self, text: str) -> NDArray[np.float64]:
        total = self.intercept.copy()
        # Both vectorisers usually share one preprocessor (normalise): run it once per text.
        preprocessed: dict[Preprocess, str] = {}
        for part in self.parts:
            source, preprocess = text, part.grams.preprocess
            if preprocess is not None:
                if preprocess not in preprocessed:
                    preprocessed[preprocess] = preprocess(text)
                source = preprocessed[preprocess]
            index, counts = part.grams.ids(source)
            if part.binary:
                counts = np.minimum(counts, 1)
            tf = np.log(counts) + 1.0 if part.sublinear else counts
            # take(): several times faster than fancy indexing for a gather of rows.
            weights = tf * part.idf.take(index)
            norm = math.sqrt(weights @ weights)
            if norm > 0:
                total += (weights @ part.coef.take(index, axis=0)) / norm
        if total.size == 1:
            return np.asarray([-total[0], total[0]], dtype=np.float64)
        return total
