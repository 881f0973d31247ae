"""The same recognizers inside presidio: registry, analyzer engine, offline start."""

from __future__ import annotations

import logging

import pytest

from tests.redaction.corpus import POSITIVES
from triage.redaction import redact
from triage.redaction.engine import locate
from triage.redaction.registry import TriageRecognizer, build_analyzer, build_registry


def _covered(spans: list[tuple[int, int]]) -> set[int]:
    return {index for start, end in spans for index in range(start, end)}


def test_registry_holds_every_recognizer() -> None:
    recognizers = build_registry().recognizers
    assert all(isinstance(r, TriageRecognizer) for r in recognizers)
    names = {r.inner.name for r in recognizers if isinstance(r, TriageRecognizer)}
    assert names == {"secrets", "iban", "card_number", "card_fields", "email", "phone"}


def test_analyzer_starts_offline_without_logging_errors(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        analyzer = build_analyzer()
        analyzer.analyze("mail bob@example.com", language="en")
    assert [r for r in caplog.records if r.levelno >= logging.WARNING] == []


def test_presidio_finds_what_redact_replaces() -> None:
    """Same characters: presidio's results, unmerged, cover exactly what redact() replaces."""
    analyzer = build_analyzer()
    for case in POSITIVES:
        results = analyzer.analyze(case.text, language="en")
        ours = locate(case.text)
        assert _covered([(r.start, r.end) for r in results]) == _covered(
            [(s.start, s.end) for s in ours]
        ), case.text
        assert len(redact(case.text).spans) == len(ours)
