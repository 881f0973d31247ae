"""What ``triage redact`` does: stdin to stdout, plain text or one JSON object per line.

Imports only the lean engine so the command starts fast. Errors never echo the input text:
a bad line yields ``{"error": ..., "line": n}`` and the stream carries on.
"""

from __future__ import annotations

import io
import json
from typing import TextIO

from triage.redaction.engine import redact


def _redact_line(line: str, number: int) -> dict[str, object]:
    if not line.strip():
        return {"error": "empty line", "line": number}
    try:
        payload = json.loads(line)
    except ValueError:
        return {"error": "invalid JSON", "line": number}
    text = payload.get("text") if isinstance(payload, dict) else None
    if not isinstance(text, str):
        return {"error": 'expected an object with a string "text" field', "line": number}
    result = redact(text)
    return {"text": result.text, "entities": [span.as_dict() for span in result.spans]}


def run_jsonl(stdin: TextIO, stdout: TextIO) -> None:
    for number, line in enumerate(iter(stdin.readline, ""), start=1):
        stdout.write(json.dumps(_redact_line(line, number), ensure_ascii=True) + "\n")
        stdout.flush()


def run(stdin: TextIO, stdout: TextIO, jsonl: bool) -> None:
    """Plain mode redacts the whole input at once: a card number may span lines."""
    if jsonl:
        run_jsonl(stdin, stdout)
        return
    stdout.write(redact(stdin.read()).text)
    stdout.flush()


def run_stdio(stdin: TextIO, stdout: TextIO, jsonl: bool) -> None:
    """``run`` on the process's stdin and stdout, made safe for whatever bytes arrive.

    Bad UTF-8 becomes U+FFFD instead of killing the stream (or echoing the bytes in a
    traceback); a leading BOM is not text; "\\r\\n" stays as written, untranslated.
    """
    if isinstance(stdin, io.TextIOWrapper):
        stdin.reconfigure(encoding="utf-8-sig", errors="replace", newline="")
    if isinstance(stdout, io.TextIOWrapper):
        stdout.reconfigure(encoding="utf-8", errors="replace")
    run(stdin, stdout, jsonl)
