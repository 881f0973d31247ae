"""cli.run: what `triage redact` does with stdin and stdout."""

from __future__ import annotations

import io
import json
import subprocess
import sys

from triage.redaction.cli import run


def _jsonl(lines: list[str]) -> list[dict[str, object]]:
    out = io.StringIO()
    run(io.StringIO("".join(f"{line}\n" for line in lines)), out, jsonl=True)
    return [json.loads(line) for line in out.getvalue().splitlines()]


def test_jsonl_redacts_each_line_in_order() -> None:
    results = _jsonl(
        [
            json.dumps({"text": "card 4111 1111 1111 1111", "id": 1}),
            json.dumps({"text": "nothing here"}),
            json.dumps(
                {"text": "mail ana@shop.es, Ｋａｒｔｅ ５５５５ ５５５５ ５５５５ ４４４４"}
            ),
        ]
    )
    assert results == [
        {"text": "card [PAN ...1111]", "entities": [{"type": "PAN", "start": 5, "end": 18}]},
        {"text": "nothing here", "entities": []},
        {
            "text": "mail [EMAIL], Ｋａｒｔｅ [PAN ...4444]",
            "entities": [
                {"type": "EMAIL", "start": 5, "end": 12},
                {"type": "PAN", "start": 20, "end": 33},
            ],
        },
    ]


def test_bad_lines_give_an_error_line_without_the_text() -> None:
    results = _jsonl(['{"text": "4111111111111111"', '["4111111111111111"]', "", '{"text": "ok"}'])
    assert results == [
        {"error": "invalid JSON", "line": 1},
        {"error": 'expected an object with a string "text" field', "line": 2},
        {"error": "empty line", "line": 3},
        {"text": "ok", "entities": []},
    ]


def test_plain_mode_redacts_the_whole_input_across_lines() -> None:
    out = io.StringIO()
    run(io.StringIO("card 4111 1111\n1111 1111\nbye\n"), out, jsonl=False)
    assert out.getvalue() == "card [PAN ...1111]\nbye\n"


def test_jsonl_streams_line_by_line_through_a_pipe() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "triage.redaction", "--jsonl"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdin is not None and process.stdout is not None
    process.stdin.write(json.dumps({"text": "cvv 123"}) + "\n")
    process.stdin.flush()
    # The answer arrives while stdin is still open: the command does not buffer its input.
    first = json.loads(process.stdout.readline())
    process.stdin.close()
    assert first == {"text": "cvv [CVV]", "entities": [{"type": "CVV", "start": 4, "end": 9}]}
    assert process.wait(timeout=30) == 0


def test_jsonl_handles_hostile_200_kb_lines() -> None:
    # Families that were quadratic (issue 14); the bench times them, this checks the output.
    hostile = ["1 " * 100_000, "\u200b".join("8" * 100_000), "1.2.3.4.5." * 20_000]
    lines = [json.dumps({"text": f"{text} card 4111 1111 1111 1111"}) for text in hostile]
    results = _jsonl(lines)
    assert len(results) == 3
    for result, text in zip(results, hostile, strict=True):
        output = str(result["text"])
        assert output.endswith(" card [PAN ...1111]")
        # Far from the card words, the digits are a list, not a card.
        assert output.startswith(text[:-200])
