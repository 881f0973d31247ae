"""FastScorer must give the pipeline's own decision scores, text by text."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.base import clone
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.svm import LinearSVC

from tests.classify.samples import EXAMPLES
from triage.classify import fastpath
from triage.classify.classifier import normalise
from triage.classify.data import row_text
from triage.classify.fastpath import FastScorer

GOLDEN = Path(__file__).resolve().parents[2] / "evals" / "golden"
EDGE_CASES = [
    "",
    " ",
    "   \t\n\r\x0b\x0c  ",
    "\u3000\u2028\xa0\x85",
    "a",
    "ß",
    "😀",
    "payout failed 😀🎉💳 again",
    "Die Auszahlung ist fehlgeschlagen, Überweisung zurückgewiesen, Gebühren für März",
    "Le remboursement n'a jamais été reçu, frais prélevés à tort, déjà réclamé à l'équipe",
    "e\u0301te\u0301 cafe\u0301 ﬁnance ² ½ ｆｕｌｌ",
    "lone surrogate \ud800 and \x00 nul",
    "x" * 5000,
    ("refund never arrived, payout failed, webhook timing out, chargeback evidence " * 70)[:5000],
]


def _assert_same(scorer: FastScorer, pipeline: Pipeline, texts: list[str]) -> None:
    expected = np.asarray(pipeline.decision_function(texts), dtype=np.float64)
    if expected.ndim == 1:
        expected = np.column_stack([-expected, expected])
    actual = np.array([scorer.scores(text) for text in texts])
    np.testing.assert_allclose(actual, expected, rtol=0, atol=1e-9)


@pytest.fixture(scope="module")
def merchant(merchant_model: tuple[Any, str]) -> tuple[FastScorer, Pipeline]:
    pipeline = merchant_model[0].pipeline
    return FastScorer(pipeline), pipeline


def test_the_merchant_model_takes_the_fast_paths(merchant: tuple[FastScorer, Pipeline]):
    # Falling back to sklearn's analyzers would stay correct but lose the speed silently.
    scorer, _ = merchant
    kinds = [type(part.grams) for part in scorer.parts]
    assert kinds == [fastpath._WordGrams, fastpath._CharWbGrams]


def test_golden_tickets(merchant: tuple[FastScorer, Pipeline]):
    rows = [json.loads(line) for path in sorted(GOLDEN.glob("*.jsonl")) for line in path.open()]
    assert len(rows) > 100
    # As the webhook sees them (redacted) and as written.
    texts = [row_text(row) for row in rows] + [row_text(row, redact=False) for row in rows]
    _assert_same(*merchant, texts)


@pytest.mark.parametrize("text", EDGE_CASES)
def test_edge_cases(merchant: tuple[FastScorer, Pipeline], text: str):
    _assert_same(*merchant, [text])


@settings(max_examples=200, deadline=None)
@given(text=st.text())
def test_any_text(merchant: tuple[FastScorer, Pipeline], text: str):
    _assert_same(*merchant, [text])


def _fit(labels: set[str], *vectorisers: TfidfVectorizer) -> Pipeline:
    examples = [e for e in EXAMPLES if e.label in labels]
    union = FeatureUnion([(f"v{i}", clone(v)) for i, v in enumerate(vectorisers)])
    pipeline = Pipeline([("features", union), ("classifier", LinearSVC(C=0.5))])
    return pipeline.fit([e.text for e in examples], [e.label for e in examples])


ALL = {e.label for e in EXAMPLES}
CONFIGURATIONS = {
    "defaults": (
        [TfidfVectorizer(), TfidfVectorizer(analyzer="char_wb")],
        [fastpath._WordGrams, fastpath._CharWbGrams],
    ),
    "accents, case, stop words, binary, raw tf": (
        [
            TfidfVectorizer(strip_accents="unicode", stop_words="english", ngram_range=(1, 3)),
            TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), lowercase=False, binary=True),
        ],
        [fastpath._WordGrams, fastpath._CharWbGrams],
    ),
    "sklearn's analyzer where ours does not apply": (
        [
            TfidfVectorizer(analyzer="char", ngram_range=(1, 3), preprocessor=normalise),
            TfidfVectorizer(analyzer="char_wb", ngram_range=(4, 5), strip_accents="ascii"),
            TfidfVectorizer(analyzer=str.split),
        ],
        [fastpath._AnalyzerGrams] * 3,
    ),
}


@pytest.mark.parametrize("name", CONFIGURATIONS)
@pytest.mark.parametrize("labels", [ALL, {"payout_failure", "refund_issue"}], ids=["multi", "bin"])
def test_other_vectoriser_configurations(name: str, labels: set[str]):
    vectorisers, kinds = CONFIGURATIONS[name]
    pipeline = _fit(labels, *vectorisers)
    scorer = FastScorer(pipeline)
    assert [type(part.grams) for part in scorer.parts] == kinds
    texts = [e.text for e in EXAMPLES] + EDGE_CASES + ["THE Payout and the REFUND, über Straße"]
    _assert_same(scorer, pipeline, texts)
