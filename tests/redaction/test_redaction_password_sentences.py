"""Issue 14: passwords given in a sentence are redacted; sentences that mention passwords stay."""

from __future__ import annotations

import pytest

from tests.redaction.password_sentences import GIVEN, MENTIONS
from triage.redaction import redact
from triage.redaction.passwords import reads_as_password


@pytest.mark.parametrize(("text", "secret"), GIVEN, ids=[t for t, _ in GIVEN])
def test_password_in_a_sentence_is_redacted(text: str, secret: str) -> None:
    output = redact(text).text
    assert "[SECRET]" in output, output
    assert secret not in output and secret.rstrip(".!") not in output, output


def test_sentences_that_only_mention_passwords_are_left_alone() -> None:
    changed = [text for text in MENTIONS if redact(text).text != text]
    assert len(MENTIONS) >= 50
    assert changed == []


@pytest.mark.parametrize(
    ("value", "pin", "expected"),
    [
        ("Bakery#Sunrise2024!", False, True),
        ("case-sensitive", False, False),
        ("E-Mail", False, False),
        ("BlueOcean", False, True),
        ("4821", True, True),
        ("4821", False, False),
        ("https://example.com/reset", False, False),
        ("********", False, False),
    ],
)
def test_what_reads_as_a_password(value: str, pin: bool, expected: bool) -> None:
    assert reads_as_password(value, pin) is expected
