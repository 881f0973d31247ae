"""Runs of digits as people write card numbers: groups joined by short separators.

Separators are spaces, dashes, dots, slashes, tabs, quotes, line breaks with quote markers,
HTML tags and entities, URL and JSON escapes. IPv4 addresses (and lists of them) are not runs.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

# Any HTML entity, JSON \uXXXX escape or run of URL escapes can sit between groups: a written
# digit among them ("&#52;") is too contrived to matter, a missed separator leaks a card.
_ATOM = (
    r"(?:[ \t\r\x0b\x0c\-./|_+\"']|\\[nrt/\\]|\\u[0-9A-Fa-f]{4}"
    r"|&(?:[A-Za-z]{2,8}|#[0-9]{1,7}|#[xX][0-9A-Fa-f]{1,6});"
    r"|(?:%[0-9A-Fa-f]{2}){1,3}|</?[A-Za-z][^<>\n]{0,40}>|<!--[^<>]{0,20}-->"
    r"|=?\r?\n(?:[ \t]*>)*)"
)
_RUN = re.compile(rf"[0-9]+(?:(?:{_ATOM}{{1,8}}|,)[0-9]+)*")
# With card words in the text, groups may also be listed ("[4539, 5787, 6362, 1486]").
_LISTED_RUN = re.compile(rf"[0-9]+(?:(?:{_ATOM}|,){{1,8}}[0-9]+)*")
# Splits a run into digit groups and gaps; gaps go first because "%20" and "&#160;" hold digits.
_PIECE = re.compile(rf"(?P<gap>(?:{_ATOM}|,)+)|(?P<digits>[0-9]+)")
_OCTET = r"(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
_IP = rf"{_OCTET}(?:\.{_OCTET}){{3}}"
_IP_LIST = re.compile(rf"{_IP}(?:(?:,\s*|\s+){_IP})*")


@dataclass(slots=True)
class Run:
    digits: str
    positions: list[int]  # view offset of each digit
    starts: list[int]  # digit index where each group starts
    gaps: list[str]  # separator text after each group but the last

    @property
    def ends(self) -> list[int]:
        return [*self.starts[1:], len(self.digits)]


def _parse(match: re.Match[str]) -> Run:
    digits: list[str] = []
    positions: list[int] = []
    starts: list[int] = []
    gaps: list[str] = []
    for piece in _PIECE.finditer(match.group()):
        if piece.group("gap") is not None:
            gaps.append(piece.group())
            continue
        starts.append(len(positions))
        base = match.start() + piece.start()
        positions.extend(range(base, base + len(piece.group())))
        digits.append(piece.group())
    return Run("".join(digits), positions, starts, gaps)


def runs(text: str, *, listed: bool) -> Iterator[Run]:
    """Runs of 12 or more digits; ``listed`` also joins groups written as a list ("4539, 5787")."""
    for match in (_LISTED_RUN if listed else _RUN).finditer(text):
        if _digit_count(match.group()) >= 12 and not _IP_LIST.fullmatch(match.group()):
            yield _parse(match)


def _digit_count(text: str) -> int:
    return sum(map(text.count, "0123456789"))
