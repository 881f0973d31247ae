"""Our recognizers inside presidio: a ``RecognizerRegistry`` and an ``AnalyzerEngine``.

``redact()`` calls the recognizers directly (presidio's import alone costs about a second,
and its per-call machinery is what the 10x target is measured against). This module exposes
the very same recognizer objects to presidio for anything that wants presidio's API, such as
the benchmark or an analyst tool. It imports presidio, so import it only where needed.
It needs no spaCy model and no network: the NLP engine is presidio's no-op engine and
tldextract is pinned to its bundled public-suffix snapshot.
"""

from __future__ import annotations

import tldextract
import tldextract.tldextract
from presidio_analyzer import AnalyzerEngine, LocalRecognizer, RecognizerRegistry, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts, NoOpNlpEngine

from triage.redaction.base import Recognizer
from triage.redaction.engine import ENGINE_VERSION
from triage.redaction.normalize import normalize
from triage.redaction.recognizers import all_recognizers

LANGUAGE = "en"


def offline_tldextract() -> None:
    """Make tldextract (used by presidio's email and URL recognizers) never fetch the PSL."""
    tldextract.tldextract.TLD_EXTRACTOR = tldextract.TLDExtract(
        suffix_list_urls=(), cache_dir=None, fallback_to_snapshot=True
    )


class TriageRecognizer(LocalRecognizer):  # type: ignore[misc]
    """A presidio recognizer whose analysis is one of ``triage.redaction.recognizers``."""

    def __init__(self, recognizer: Recognizer) -> None:
        self.inner = recognizer
        super().__init__(
            supported_entities=list(recognizer.entities),
            name=f"triage_{recognizer.name}",
            supported_language=LANGUAGE,
            version=ENGINE_VERSION,
        )

    def load(self) -> None:
        """Nothing to load: the patterns are compiled at import."""

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        results = []
        view = normalize(text)
        for finding in self.inner.find(view):
            if finding.kind in entities:
                start, end = view.original(finding.start, finding.end)
                results.append(RecognizerResult(finding.kind, start, end, 1.0))
        return results


def build_registry() -> RecognizerRegistry:
    registry = RecognizerRegistry(supported_languages=[LANGUAGE])
    for recognizer in all_recognizers():
        registry.add_recognizer(TriageRecognizer(recognizer))
    return registry


def build_analyzer() -> AnalyzerEngine:
    """A presidio AnalyzerEngine running only our recognizers, offline and model-free."""
    offline_tldextract()
    nlp_engine = NoOpNlpEngine(models=[{"lang_code": LANGUAGE, "model_name": "none"}])
    nlp_engine.load()
    return AnalyzerEngine(
        registry=build_registry(), nlp_engine=nlp_engine, supported_languages=[LANGUAGE]
    )
