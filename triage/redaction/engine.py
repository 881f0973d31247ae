"""The one entry point every other part calls before text goes anywhere: ``redact(text)``.

The recognizers are built once per process, on first use. Matching runs on a normalised view
of the text (see ``normalize``, offsets are preserved); replacements are applied to the
original characters, and the spans returned describe the redacted text.
"""

from __future__ import annotations

from dataclasses import dataclass

from triage.redaction.base import CVV, EMAIL, EXPIRY, IBAN, PAN, PHONE, PRIORITY, SECRET
from triage.redaction.cards import contains_pan as contains_pan
from triage.redaction.normalize import View, normalize
from triage.redaction.recognizers import Recognizer, all_recognizers

ENGINE_VERSION = "triage-redaction/1.0"
ENTITY_TYPES = (PAN, SECRET, CVV, EXPIRY, IBAN, EMAIL, PHONE)


@dataclass(frozen=True, slots=True)
class Span:
    """Where a replacement token sits in the redacted text."""

    type: str
    start: int
    end: int

    def as_dict(self) -> dict[str, object]:
        return {"type": self.type, "start": self.start, "end": self.end}


@dataclass(frozen=True, slots=True)
class Redacted:
    text: str
    spans: tuple[Span, ...]
    summary: dict[str, object]


@dataclass(slots=True)
class _Hit:
    start: int
    end: int
    kind: str
    last4: str


class _Engine:
    def __init__(self) -> None:
        self.recognizers: tuple[Recognizer, ...] = all_recognizers()

    def hits(self, view: View) -> list[_Hit]:
        hits: list[_Hit] = []
        for recognizer in self.recognizers:
            for finding in recognizer.find(view):
                start, end = view.original(finding.start, finding.end)
                hits.append(_Hit(start, end, finding.kind, finding.last4))
        return _merge(hits)


_ENGINE: _Engine | None = None


def _engine() -> _Engine:
    global _ENGINE
    if _ENGINE is None:
        _ENGINE = _Engine()
    return _ENGINE


def _merge(hits: list[_Hit]) -> list[_Hit]:
    """Overlapping hits become one, typed by the strongest kind (a PEM block beats a PAN)."""
    merged: list[_Hit] = []
    for hit in sorted(hits, key=lambda h: (h.start, -h.end)):
        if merged and hit.start < merged[-1].end:
            current = merged[-1]
            current.end = max(current.end, hit.end)
            if PRIORITY[hit.kind] < PRIORITY[current.kind]:
                current.kind, current.last4 = hit.kind, hit.last4
            elif hit.kind == current.kind == PAN and not current.last4:
                current.last4 = hit.last4
        else:
            merged.append(_Hit(hit.start, hit.end, hit.kind, hit.last4))
    return merged


def _token(hit: _Hit) -> str:
    return f"[PAN ...{hit.last4}]" if hit.kind == PAN else f"[{hit.kind}]"


def _render(text: str, hits: list[_Hit]) -> Redacted:
    parts: list[str] = []
    spans: list[Span] = []
    length = cursor = 0
    for hit in hits:
        parts.append(text[cursor : hit.start])
        length += hit.start - cursor
        token = _token(hit)
        spans.append(Span(hit.kind, length, length + len(token)))
        parts.append(token)
        length += len(token)
        cursor = hit.end
    parts.append(text[cursor:])
    counts = dict.fromkeys(ENTITY_TYPES, 0)
    for span in spans:
        if span.type in counts:
            counts[span.type] += 1
    summary: dict[str, object] = {"engine": ENGINE_VERSION, "counts": counts}
    return Redacted("".join(parts), tuple(spans), summary)


def locate(text: str) -> list[Span]:
    """Where ``redact`` would replace, in the original text (offsets only, no characters)."""
    return [Span(hit.kind, hit.start, hit.end) for hit in _engine().hits(normalize(text))]


def redact(text: str) -> Redacted:
    """Replace card numbers, secrets, CVVs, expiry dates, IBANs, emails and phones."""
    return _render(text, _engine().hits(normalize(text)))


__all__ = ["ENGINE_VERSION", "Redacted", "Span", "contains_pan", "locate", "redact"]
