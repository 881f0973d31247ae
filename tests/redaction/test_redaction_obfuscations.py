"""Issue 14: a card number after card words is redacted however it is written."""

from __future__ import annotations

import pytest

from tests.redaction.obfuscations import CONTEXTS, HELD_OUT, PANS, TUNED, Writer, survivors
from triage.redaction import redact


def _check(write: Writer) -> None:
    for pan in PANS:
        for context in CONTEXTS:
            text = context.format(f=write(pan))
            output = redact(text).text
            assert f"[PAN ...{pan[-4:]}]" in output, (text, output)
            assert survivors(output, pan) == "", (text, output)


@pytest.mark.parametrize("name", list(TUNED))
def test_obfuscations_from_the_issue_are_redacted(name: str) -> None:
    _check(TUNED[name])


@pytest.mark.parametrize("name", list(HELD_OUT))
def test_held_out_obfuscations_are_redacted(name: str) -> None:
    _check(HELD_OUT[name])


def test_the_checker_sees_each_disguise_unredacted() -> None:
    for write in (*TUNED.values(), *HELD_OUT.values()):
        written = write(PANS[0])
        assert survivors(written, PANS[0]) != "", written
