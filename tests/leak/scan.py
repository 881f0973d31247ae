"""The leak scanner: does any text the service kept, logged, sent or showed hold a card or secret?

A hit is (1) 11 or more consecutive digits of an embedded PAN, after folding (NFKC, Unicode
digits, HTML/URL/JSON escapes) and removing separators; (2) any Luhn-valid run of 13-19 digits
written the way card numbers are (digits separated only by spaces, dashes, dots, slashes and
the like); (3) any 8-character window of an embedded secret value.

Rule (2) knows nothing about the corpus, so it also catches card numbers nobody listed. Before
it runs, number shapes the service itself writes (ISO timestamps, compact version stamps,
floats, hex digests, UUIDs) are masked: each is a long digit run that would be Luhn-valid one
time in ten. Rules (1) and (3) look for specific values and need no such masking.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from tests.redaction.adversarial_check import fold, luhn_ok

PAN_WINDOW = 11
SECRET_WINDOW = 8
_BROAD_SEPARATORS = re.compile(
    r"[\s\-./\\_|:,;'\"()\[\]{}*+#=&%~`>\u00ad\u200b-\u200d\u2060\ufeff]+"
)
_CARD_RUN = re.compile(r"\d(?:[\s\-./\\_|>\u00ad\u200b-\u200d\u2060\ufeff]{0,4}\d)*")
_BENIGN = re.compile(
    r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?"
    r"|\b20\d{6}[-T_]?\d{6}\b"  # compact stamps, e.g. model versions 20261124-101010-ab12cd34
    r"|(?<![\d.])\d{1,9}\.\d{5,}(?:e-?\d+)?(?![\d.])"  # floats
    r"|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"  # UUIDs
    r"|(?<![0-9a-zA-Z])(?=[0-9a-f]*[a-f])[0-9a-f]{24,}(?![0-9a-zA-Z])"  # hex ids and digests
)
_REPEATS = re.compile(r"(\d)\1{5,}")
_DIGIT, _LETTER = re.compile(r"\d"), re.compile(r"[a-z]")


@dataclass(frozen=True)
class Document:
    """One piece of output: a column value, a log record, a request or response body."""

    label: str
    text: str


@dataclass
class Sensitive:
    """What must never come out: the embedded PANs and secret values."""

    pans: tuple[str, ...]
    secrets: tuple[str, ...]
    # Secrets written for per-case checks (tests/redaction/corpus.py) hold common runs such as
    # "12345678"; of those, only windows mixing letters and digits are distinctive enough.
    loose_secrets: tuple[str, ...] = ()
    _pan_windows: dict[str, str] = field(init=False, repr=False)
    _secret_windows: dict[str, str] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        # Windows made of one repeated digit (4000 0000 0000 0006) would match zero-padded
        # numbers anywhere; rule (2) still catches such a PAN when it survives whole.
        self._pan_windows = {
            w: pan for pan in self.pans for w in windows(pan, PAN_WINDOW) if not degenerate(w)
        }
        self._secret_windows = {
            w: secret for secret in self.secrets for w in windows(_compact(secret), SECRET_WINDOW)
        }
        for secret in self.loose_secrets:
            for w in windows(_compact(secret), SECRET_WINDOW):
                if _DIGIT.search(w) and _LETTER.search(w):
                    self._secret_windows.setdefault(w, secret)

    def pan_hits(self, folded: str) -> list[str]:
        flat = _BROAD_SEPARATORS.sub("", folded)
        found = {
            self._pan_windows[window]
            for run in re.findall(rf"\d{{{PAN_WINDOW},}}", flat)
            for window in windows(run, PAN_WINDOW)
            if window in self._pan_windows
        }
        return [f"digits of PAN {pan}" for pan in sorted(found)]

    def secret_hits(self, folded: str) -> list[str]:
        compact = _compact(folded)
        for start in range(max(1, len(compact) - SECRET_WINDOW + 1)):
            secret = self._secret_windows.get(compact[start : start + SECRET_WINDOW])
            if secret is not None:
                return [f"secret {secret[:12]}..."]
        return []


def degenerate(digits: str) -> bool:
    """Six or more of one digit in a row: such windows match zero-padded numbers anywhere."""
    return bool(_REPEATS.search(digits))


def windows(value: str, size: int) -> list[str]:
    if len(value) <= size:
        return [value]
    return [value[i : i + size] for i in range(len(value) - size + 1)]


def _compact(text: str) -> str:
    return re.sub(r"[\s\-]+", "", text).casefold()


def luhn_runs(folded: str) -> list[str]:
    """Luhn-valid 13-19 digit runs, written as card numbers are, outside benign number shapes."""
    masked = _BENIGN.sub(" ~ ", folded)
    runs = (re.sub(r"\D", "", m.group()) for m in _CARD_RUN.finditer(masked))
    return [f"Luhn-valid run {run}" for run in runs if 13 <= len(run) <= 19 and luhn_ok(run)]


def hits(text: str, sensitive: Sensitive) -> list[str]:
    """Everything in ``text`` that counts as a leak (empty when it is clean)."""
    folded = fold(text)
    return sensitive.pan_hits(folded) + luhn_runs(folded) + sensitive.secret_hits(folded)


def scan(documents: Iterable[Document], sensitive: Sensitive) -> list[str]:
    """One line per leaking document: where, what, and a little context."""
    report = []
    for doc in documents:
        found = hits(doc.text, sensitive)
        if found:
            report.append(f"{doc.label}: {sorted(set(found))} in {doc.text[:160]!r}")
    return report
