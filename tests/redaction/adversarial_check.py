"""The adversarial corpus's case type and the leak checks the held-out judge is expected to apply.

A leak is: 11 or more consecutive digits of an embedded PAN, or any Luhn-valid 13-19 digit run,
left after folding (NFKC, HTML entities, URL escapes, JSON escapes, any Unicode digit) and
removing separators; any 8-character window of a secret; a CVV/expiry token left standing; 7 or
more consecutive digits of a phone number. A negative fails when its text changes at all.
"""

from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass
from urllib.parse import unquote

_MARKER = re.compile(r"\[(?:PAN \.\.\.\d{4}|[A-Z]+)\]")
_TAG = re.compile(r"<[^<>]{0,80}>")
_JSON_ESCAPE = re.compile(r"\\u([0-9a-fA-F]{4})|\\([ntr])")
_SEPARATORS = re.compile(r"[\s\-./\\_|:,;'\"()\[\]{}*+#=&%~`>\u00ad\u200b-\u200d\u2060\ufeff]+")
_DIGIT_RUN = re.compile(r"\d+")
_PAN_WINDOW = 11
_PHONE_WINDOW = 7
_SECRET_WINDOW = 8


@dataclass(frozen=True)
class Case:
    label: str
    text: str
    pans: tuple[str, ...] = ()
    secrets: tuple[str, ...] = ()
    tokens: tuple[str, ...] = ()
    phones: tuple[str, ...] = ()

    @property
    def negative(self) -> bool:
        return not (self.pans or self.secrets or self.tokens or self.phones)


def luhn_ok(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char) * (2 if index % 2 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0


def _ascii_digits(text: str) -> str:
    return "".join(str(unicodedata.digit(c)) if c.isdecimal() else c for c in text)


def _unescape_json(text: str) -> str:
    def repl(match: re.Match[str]) -> str:
        if match.group(1):
            return chr(int(match.group(1), 16))
        return {"n": "\n", "t": "\t", "r": "\r"}[match.group(2)]

    return _JSON_ESCAPE.sub(repl, text)


def fold(text: str) -> str:
    """Every reading of the output a reader (or a judge) could take, markers made inert."""
    text = _MARKER.sub(" X ", text)
    text = html.unescape(_TAG.sub("", _unescape_json(unquote(text))))
    return _ascii_digits(unicodedata.normalize("NFKC", text))


def _digit_runs(folded: str) -> list[str]:
    return _DIGIT_RUN.findall(_SEPARATORS.sub("", folded))


def _windows(value: str, size: int) -> set[str]:
    if len(value) <= size:
        return {value}
    return {value[i : i + size] for i in range(len(value) - size + 1)}


def _digit_leaks(runs: list[str], numbers: tuple[str, ...], size: int, kind: str) -> list[str]:
    found = []
    for number in numbers:
        if any(w in run for w in _windows(number, size) for run in runs):
            found.append(f"{kind} {number}")
    return found


def _secret_leaks(folded: str, secrets: tuple[str, ...]) -> list[str]:
    compact = re.sub(r"[\s\-]+", "", folded).casefold()
    found = []
    for secret in secrets:
        windows = _windows(re.sub(r"[\s\-]+", "", secret).casefold(), _SECRET_WINDOW)
        if any(w in compact for w in windows):
            found.append(f"secret {secret[:24]}")
    return found


def _token_leaks(folded: str, tokens: tuple[str, ...]) -> list[str]:
    return [
        f"token {tok}"
        for tok in tokens
        if re.search(rf"(?<![0-9A-Za-z]){re.escape(tok)}(?![0-9A-Za-z])", folded)
    ]


def leaks(case: Case, output: str) -> list[str]:
    """What of the case's sensitive content is still readable in ``output``."""
    folded = fold(output)
    runs = _digit_runs(folded)
    found = _digit_leaks(runs, case.pans, _PAN_WINDOW, "pan")
    if case.pans:
        found += [f"luhn-run {r}" for r in runs if 13 <= len(r) <= 19 and luhn_ok(r)]
    found += _digit_leaks(runs, case.phones, _PHONE_WINDOW, "phone")
    return found + _secret_leaks(folded, case.secrets) + _token_leaks(folded, case.tokens)


def bad_spans(output: str, entities: list[dict[str, object]]) -> list[str]:
    """Spans must point at the markers in the redacted text, in order, without overlap."""
    problems, last_end = [], 0
    for entity in entities:
        start, end = entity["start"], entity["end"]
        if not (isinstance(start, int) and isinstance(end, int)) or start < last_end:
            problems.append(f"span order {entity}")
            continue
        piece = output[start:end]
        if not (piece.startswith("[") and piece.endswith("]")):
            problems.append(f"span {entity} covers {piece!r}")
        last_end = end
    return problems
