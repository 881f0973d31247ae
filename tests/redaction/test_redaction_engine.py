"""The redact() contract: tokens, spans in the redacted text, summary, contains_pan, corpus."""

from __future__ import annotations

import json

import pytest

from tests.redaction.corpus import NEGATIVES, POSITIVES, Case, leaked_pans, leaked_secrets
from triage.redaction import ENGINE_VERSION, Span, contains_pan, redact


def test_spans_point_at_tokens_in_the_redacted_text() -> None:
    result = redact(
        "Visa ４１１１ １１１１ １１１１ １１１１ exp 09/28, mail a@b.io, key sk_live_abcdefgh123"
    )
    assert [(s.type, result.text[s.start : s.end]) for s in result.spans] == [
        ("PAN", "[PAN ...1111]"),
        ("EXPIRY", "[EXPIRY]"),
        ("EMAIL", "[EMAIL]"),
        ("SECRET", "[SECRET]"),
    ]


def test_only_the_last_four_digits_are_shown() -> None:
    assert redact("5555 5555 5555 4444").text == "[PAN ...4444]"


def test_summary_counts_each_type_and_names_the_engine() -> None:
    summary = redact("4111111111111111 and 5555555555554444, CVV 123").summary
    assert summary == {
        "engine": ENGINE_VERSION,
        "counts": {
            "PAN": 2, "SECRET": 0, "CVV": 1, "EXPIRY": 0, "IBAN": 0, "EMAIL": 0, "PHONE": 0,
        },
    }  # fmt: skip
    assert json.loads(json.dumps(summary)) == summary


def test_text_without_anything_sensitive_is_returned_unchanged() -> None:
    result = redact("Settlement for 2024-05-01 is late.")
    assert (result.text, result.spans) == ("Settlement for 2024-05-01 is late.", ())


def test_overlapping_findings_collapse_into_the_strongest_type() -> None:
    text = "-----BEGIN PRIVATE KEY-----\ncard 4111111111111111\n-----END PRIVATE KEY-----"
    assert redact(text).spans == (Span("SECRET", 0, 8),)


def test_redacting_twice_changes_nothing() -> None:
    once = redact("card 4111 1111 1111 1111 exp 09/28 CVV 123 password: x1y2z3").text
    assert redact(once).text == once


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("4111 1111 1111 1111", True),
        ("４１１１-１１１１-１１１１-１１１１", True),
        ("4111\n> 1111\n> 1111\n> 1111", True),
        ("1234567812345670", False),  # Luhn-valid but no network prefix: an id, not a card
        ("build 20261124-005754-494f7d37", False),
        ("4111 1111 1111 1112", False),
        ("[PAN ...1111] exp [EXPIRY]", False),
        ("ARN 74987506234123456789012", False),
        ("2024-05-01 12:00:00", False),
    ],
)
def test_contains_pan(text: str, found: bool) -> None:
    assert contains_pan(text) is found


@pytest.mark.parametrize("case", POSITIVES, ids=lambda c: c.text[:40])
def test_corpus_positives_leak_nothing(case: Case) -> None:
    output = redact(case.text).text
    assert leaked_pans(output, case.pans) == []
    assert leaked_secrets(output, case.secrets) == []
    assert not contains_pan(output)


@pytest.mark.parametrize("text", NEGATIVES, ids=lambda t: t[:40])
def test_corpus_negatives_are_unchanged(text: str) -> None:
    assert redact(text).text == text
