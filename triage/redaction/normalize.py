"""A normalised view of ticket text for the recognizers to match on.

Full-width and other Unicode digits become ASCII digits, Unicode spaces, zero-width and blank
characters become spaces, dashes become "-", and other characters their NFKC form, always one
character for one, so a span in the view is the same span in the original text.

Two disguises need more than one character for one, and the view records them so that spans
can be mapped back (``View.original``): a digit written as an escape ("&#52;", "&#x34;",
"\\u0034", "%34") becomes the digit followed by spaces, and such an escape is replaced whole or
not at all; text inside a right-to-left override (U+202E up to U+202C or the end of the line)
is displayed reversed, so the view holds it reversed too, and spans inside it are mirrored.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right

# Characters removed by cards.contains_pan() before looking for digit runs: anything a person or a
# mail client may put between the groups of a card number.
_SEPARATORS = re.compile(r"[\s\-./|_+,>\\]+")
# Digits with nothing but separators between them: what one run becomes once they are removed.
_SEPARATED_DIGITS = re.compile(r"[0-9](?:[\s\-./|_+,>\\]*[0-9])*")
MIN_RUN = 13
_DOUBLED = (0, 2, 4, 6, 8, 1, 3, 5, 7, 9)
_DOTS = frozenset("\u00b7\u2022\u2219\u2027\u30fb\uff65\u22c5")  # middle dots, bullets
# Letters and symbols that render as blank space: Hangul fillers, the braille blank.
_BLANKS = frozenset("\u115f\u1160\u3164\uffa0\u2800")
_ESCAPE = re.compile(
    r"&#(?:0*(?P<dec>[0-9]{1,7})|[xX]0*(?P<hex>[0-9A-Fa-f]{1,6}));?"
    r"|\\u(?P<json>[0-9A-Fa-f]{4})|%3(?P<url>[0-9])"
)
_OVERRIDE = re.compile("\u202e([^\u202c\n]*)")


Spans = tuple[list[int], list[int]]  # sorted disjoint (starts, ends)


class View:
    """Normalised text, the same length as the original: offsets carry over unchanged, except
    inside escapes (replaced whole) and right-to-left overrides (mirrored)."""

    __slots__ = ("_digits", "escapes", "mirrored", "text")

    def __init__(self, text: str, escapes: Spans = ([], []), mirrored: Spans = ([], [])) -> None:
        self.text = text
        self._digits = -1
        self.escapes = escapes
        self.mirrored = mirrored

    def original(self, start: int, end: int) -> tuple[int, int]:
        """The span of the original text that view span ``start:end`` stands for."""
        starts, ends = self.mirrored
        index = bisect_right(starts, start) - 1
        if index >= 0 and start < ends[index]:
            low, high = starts[index], ends[index]
            if end <= high:
                start, end = low + high - end, low + high - start
            else:
                start, end = low, end
        elif index + 1 < len(starts) and starts[index + 1] < end:
            end = max(end, ends[index + 1])
        return _widen(self.escapes, start, end)

    @property
    def digits(self) -> int:
        """How many digits the text holds; recognizers skip work when there are too few."""
        if self._digits < 0:
            self._digits = sum(map(self.text.count, "0123456789"))
        return self._digits


def luhn_ok(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = ord(char) - 48
        total += _DOUBLED[value] if index & 1 else value
    return total % 10 == 0


def _fold(char: str) -> str:
    """One character for one: keeping offsets equal matters more than exact NFKC expansions."""
    category = unicodedata.category(char)
    if category == "Nd":
        return str(unicodedata.decimal(char))
    if category in ("Zs", "Cf", "Mn", "Me") or char in _BLANKS:
        # Zero-width spaces, soft hyphens, odd spaces and combining marks (an underline
        # drawn under each digit) all read as a space between groups.
        return " "
    if category in ("Zl", "Zp") or char == "\x85":
        return "\n"
    if category == "Pd" or char == "\u2212":
        return "-"
    if char in _DOTS:
        return "."
    folded = unicodedata.normalize("NFKC", char)
    if not folded:
        return char
    return _fold(folded[0]) if not folded[0].isascii() and folded[0] != char else folded[0]


class _FoldTable(dict[int, str]):
    """A str.translate table that learns each non-ASCII character the first time it is seen."""

    def __missing__(self, code: int) -> str:
        folded = self[code] = _fold(chr(code))
        return folded


_TABLE = _FoldTable({code: chr(code) for code in range(128)})


def _widen(spans: Spans, start: int, end: int) -> tuple[int, int]:
    """``start:end`` grown so that it cuts no span in two."""
    starts, ends = spans
    index = bisect_right(starts, start) - 1
    if index >= 0 and start < ends[index]:
        start = starts[index]
    index = bisect_right(starts, end - 1) - 1
    if index >= 0 and end < ends[index]:
        end = ends[index]
    return start, end


def _escaped_digit(match: re.Match[str]) -> str | None:
    number = match.group("dec") or match.group("hex") or match.group("json")
    if number is None:
        return match.group("url")
    code = int(number, 10 if match.group("dec") else 16)
    if code > 0x10FFFF:
        return None
    value = unicodedata.decimal(chr(code), None)
    return None if value is None else str(value)


def _unescape_digits(text: str) -> tuple[str, Spans]:
    parts: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    cursor = 0
    for match in _ESCAPE.finditer(text):
        digit = _escaped_digit(match)
        if digit is None:
            continue
        parts += [text[cursor : match.start()], digit.ljust(match.end() - match.start())]
        starts.append(match.start())
        ends.append(match.end())
        cursor = match.end()
    parts.append(text[cursor:])
    return "".join(parts), (starts, ends)


def _reverse_overrides(original: str, text: str) -> tuple[str, Spans]:
    parts: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    cursor = 0
    for match in _OVERRIDE.finditer(original):
        start, end = match.span(1)
        parts += [text[cursor:start], text[start:end][::-1]]
        starts.append(start)
        ends.append(end)
        cursor = end
    parts.append(text[cursor:])
    return "".join(parts), (starts, ends)


def normalize(text: str) -> View:
    folded = text if text.isascii() else text.translate(_TABLE)
    escapes: Spans = ([], [])
    mirrored: Spans = ([], [])
    if "&#" in folded or "\\u" in folded or "%3" in folded:
        folded, escapes = _unescape_digits(folded)
    if "\u202e" in text:
        folded, mirrored = _reverse_overrides(text, folded)
    return View(folded, escapes, mirrored)


def digits_only_runs(text: str) -> list[str]:
    """Maximal digit runs (13 or more) once the text is folded and separators removed.

    Separators are removed only inside the stretches that could hold such a run, not from the
    whole text: the same runs, at a third of the cost on a write-back note.
    """
    runs = []
    for match in _SEPARATED_DIGITS.finditer(normalize(text).text):
        stretch = match.group()
        if len(stretch) >= MIN_RUN:
            run = _SEPARATORS.sub("", stretch)
            if len(run) >= MIN_RUN:
                runs.append(run)
    return runs


def luhn_run_remains(text: str) -> bool:
    """True if any Luhn-valid 13-19 digit run remains, card-shaped or not (the strict test)."""
    return any(13 <= len(run) <= 19 and luhn_ok(run) for run in digits_only_runs(text))
