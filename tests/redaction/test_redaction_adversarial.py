"""The independent adversarial corpus (tests/redaction/adversarial.py), in process and through
the real ``triage redact --jsonl`` subprocess, exactly as the held-out judge runs it."""

from __future__ import annotations

import json
import re
import subprocess

import pytest

from tests.redaction.adversarial import TRIAGE, corpus, redact_cli, redact_in_process, score
from tests.redaction.adversarial_check import Case, bad_spans, leaks, luhn_ok
from tests.redaction.adversarial_pans import BRANDS
from triage.redaction.engine import redact
from triage.redaction.recognizers import card_shaped, iban_ok

CASES = corpus()
POSITIVES = [case for case in CASES if not case.negative]
NEGATIVES = [case for case in CASES if case.negative]


def _label(case: Case) -> str:
    return case.label[:60]


def test_corpus_covers_every_brand_and_length_at_scale() -> None:
    assert len(POSITIVES) >= 400
    assert len(NEGATIVES) >= 200
    labels = [case.label for case in POSITIVES]
    for brand, _, brand_lengths in BRANDS:
        for length in brand_lengths:
            assert any(label.startswith(f"{brand}{length} ") for label in labels), (brand, length)


def test_generated_values_are_what_they_claim() -> None:
    for case in POSITIVES:
        for pan in case.pans:
            assert card_shaped(pan) or case.label.startswith("extra"), case.label
            assert luhn_ok(pan) != ("luhn-fail" in case.label), case.label
    for case in NEGATIVES:
        for number in re.findall(r"[0-9]{12,19}", re.sub(r"(?<=[0-9]) (?=[0-9])", "", case.text)):
            is_card = card_shaped(number) and luhn_ok(number)
            expected = ("arn", "long-id", "id12")
            assert not is_card or any(e in case.label for e in expected), case.text


def test_ibans_in_the_corpus_pass_their_checksum() -> None:
    for case in POSITIVES:
        if case.label.startswith("iban ") and case.label != "iban json":
            country = case.label.split()[1]
            assert iban_ok(f"{country}{_check_digits(case)}{case.secrets[0]}"), case.text


def _check_digits(case: Case) -> str:
    compact = re.sub(r"[\s\u00a0-]", "", case.text).upper()
    at = compact.index(case.secrets[0].upper())
    return compact[at - 2 : at]


@pytest.mark.parametrize("case", POSITIVES, ids=_label)
def test_positive_leaks_nothing(case: Case) -> None:
    result = redact(case.text)
    assert leaks(case, result.text) == [], result.text
    assert bad_spans(result.text, [span.as_dict() for span in result.spans]) == []


@pytest.mark.parametrize("case", NEGATIVES, ids=_label)
def test_negative_is_left_unchanged(case: Case) -> None:
    result = redact(case.text)
    assert result.text == case.text
    assert result.spans == ()


def test_redacting_twice_changes_nothing_more() -> None:
    for case in POSITIVES:
        once = redact(case.text).text
        assert redact(once).text == once, case.label


def test_cli_subprocess_on_the_whole_corpus_as_the_judge_runs_it() -> None:
    result = score(CASES, redact_cli)
    assert (result.positives, result.negatives) == (len(POSITIVES), len(NEGATIVES))
    assert result.leaked == []
    assert result.altered == []
    assert result.spans == []


def test_cli_reads_raw_utf8_json_lines_the_same_as_escaped_ones() -> None:
    texts = [case.text for case in CASES[::7]]
    assert redact_cli(texts, ascii_json=False) == redact_in_process(texts)


def test_cli_survives_bad_utf8_a_bom_and_crlf_line_ends() -> None:
    lines = (
        b"\xef\xbb\xbf" + json.dumps({"text": "card 4111 1111 1111 1111"}).encode() + b"\r\n",
        b'{"text": "bad \xff\xfe bytes, visa 4012888888881881"}\r\n',
        b"not json \xc3\x28\n",
        json.dumps({"text": "fine"}).encode() + b"\n",
    )
    done = subprocess.run(
        [str(TRIAGE), "redact", "--jsonl"],
        input=b"".join(lines),
        capture_output=True,
        check=True,
        timeout=60,
    )
    rows = [json.loads(line) for line in done.stdout.decode("ascii").splitlines()]
    assert [row.get("text") for row in rows] == [
        "card [PAN ...1111]",
        "bad \ufffd\ufffd bytes, visa [PAN ...1881]",
        None,
        "fine",
    ]
    assert rows[2] == {"error": "invalid JSON", "line": 3}
    assert b"4012888888881881" not in done.stdout + done.stderr


def test_plain_mode_keeps_crlf_and_replaces_bad_bytes() -> None:
    done = subprocess.run(
        [str(TRIAGE), "redact"],
        input=b"Hi\r\ncard 4111 1111\r\n1111 1111 \xff\r\n",
        capture_output=True,
        check=True,
        timeout=60,
    )
    assert done.stdout.decode("utf-8") == "Hi\r\ncard [PAN ...1111] \ufffd\r\n"
