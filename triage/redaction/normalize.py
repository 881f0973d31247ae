"""A normalised view of ticket text for the recognizers to match on.

Full-width and other Unicode digits become ASCII digits, Unicode spaces and zero-width
characters become spaces, dashes become "-", and other characters their NFKC form, always one
character for one, so a span in the view is the same span in the original text.
"""

from __future__ import annotations

import re
import unicodedata

# Characters removed by cards.contains_pan() before looking for digit runs: anything a person or a
# mail client may put between the groups of a card number.
_SEPARATORS = re.compile(r"[\s\-./|_+,>\\]+")
_DIGIT_RUN = re.compile(r"[0-9]{13,}")
_DOUBLED = (0, 2, 4, 6, 8, 1, 3, 5, 7, 9)
_DOTS = frozenset("\u00b7\u2022\u2219\u2027\u30fb\uff65\u22c5")  # middle dots, bullets


class View:
    """Normalised text, the same length as the original: offsets carry over unchanged."""

    __slots__ = ("_digits", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        self._digits = -1

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
    if category in ("Zs", "Cf", "Mn", "Me"):
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


def normalize(text: str) -> View:
    return View(text if text.isascii() else text.translate(_TABLE))


def digits_only_runs(text: str) -> list[str]:
    """Maximal digit runs (13 or more) once the text is folded and separators removed."""
    folded = normalize(text).text
    return _DIGIT_RUN.findall(_SEPARATORS.sub("", folded))


def luhn_run_remains(text: str) -> bool:
    """True if any Luhn-valid 13-19 digit run remains, card-shaped or not (the strict test)."""
    return any(13 <= len(run) <= 19 and luhn_ok(run) for run in digits_only_runs(text))
