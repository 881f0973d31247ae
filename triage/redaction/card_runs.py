"""Runs of digits as people write card numbers: groups joined by short separators.

Separators are spaces, dashes, dots, slashes, tabs, quotes, line breaks with quote markers,
HTML tags and entities, URL and JSON escapes; with card words in the text, any symbol too.
IPv4 addresses (and lists of them) are not runs. ``Cover`` and ``clusters`` are the scanner's
bookkeeping of the windows it accepts, each linear in their number.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import accumulate

# Any HTML entity, JSON \uXXXX escape or run of URL escapes can sit between groups: a written
# digit among them ("&#52;") is too contrived to matter, a missed separator leaks a card.
_ATOM = (
    r"(?:[ \t\r\x0b\x0c\-./|_+\"']|\\[nrt/\\]|\\u[0-9A-Fa-f]{4}"
    r"|&(?:[A-Za-z]{2,8}|#[0-9]{1,7}|#[xX][0-9A-Fa-f]{1,6});"
    r"|(?:%[0-9A-Fa-f]{2}){1,3}|</?[A-Za-z][^<>\n]{0,40}>|<!--[^<>]{0,20}-->"
    r"|=?\r?\n(?:[ \t]*>)*)"
)
# Each gap piece is atomic: the alternatives overlap ("%20%20%20" splits into escapes in many
# ways), and retrying every split on a gap that leads nowhere would take exponential time.
_RUN = re.compile(rf"[0-9]+(?:(?:(?>{_ATOM}){{1,8}}|,)[0-9]+)*")
# With card words in the text, groups may also be listed ("[4539, 5787, 6362, 1486]"), spread
# out ("4539          5787") or joined by any other symbol, punctuation or space ("4539*5787",
# "(4539) (5787)", "4539\u2044 5787"), including the Japanese long-vowel mark used as a dash.
_LISTED_GAP = rf"(?>{_ATOM}|[^\w\n]|[\u30fc\uff70])"
_LISTED_RUN = re.compile(rf"[0-9]+(?:{_LISTED_GAP}{{1,16}}[0-9]+)*")
# Splits a run into digit groups and gaps; gaps go first because "%20" and "&#160;" hold digits.
_PIECE = re.compile(rf"(?P<gap>{_LISTED_GAP}+)|(?P<digits>[0-9]+)")
# Gaps that end a line or a cell: a number split across them is a table, not one card.
_WEAK_GAP = re.compile(r"[\n,|<&%\\]")
_DOUBLED = (0, 2, 4, 6, 8, 1, 3, 5, 7, 9)
_OCTET = r"(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
_IP = rf"{_OCTET}(?:\.{_OCTET}){{3}}"
_IP_LIST = re.compile(rf"{_IP}(?:(?:,\s*|\s+){_IP})*")


@dataclass(slots=True)
class Run:
    """Digit groups and the gaps between them, indexed so that every lookup is O(1): the card
    scanner asks about each window of a run, and a run may hold 100,000 groups."""

    digits: str
    offsets: list[int]  # view offset of each group's first digit
    starts: list[int]  # digit index where each group starts
    gaps: list[str]  # separator text after each group but the last
    ends: list[int] = field(init=False)
    group_of: list[int] = field(init=False)  # group index of each digit
    weak: list[bool] = field(init=False)  # each gap ends a line or a cell
    same_until: list[int] = field(init=False)  # first later gap unlike this one, or weak
    _luhn: tuple[list[int], list[int]] = field(init=False)

    def __post_init__(self) -> None:
        self.ends = [*self.starts[1:], len(self.digits)]
        self.group_of = []
        for index, (start, end) in enumerate(zip(self.starts, self.ends, strict=True)):
            self.group_of.extend([index] * (end - start))
        self.weak = [_WEAK_GAP.search(gap) is not None for gap in self.gaps]
        self.same_until = list(range(1, len(self.gaps) + 1))
        for index in range(len(self.gaps) - 2, -1, -1):
            if self.gaps[index] == self.gaps[index + 1] and not self.weak[index + 1]:
                self.same_until[index] = self.same_until[index + 1]
        values = [ord(char) - 48 for char in self.digits]
        even = [v if i % 2 == 0 else _DOUBLED[v] for i, v in enumerate(values)]
        odd = [_DOUBLED[v] if i % 2 == 0 else v for i, v in enumerate(values)]
        self._luhn = (list(accumulate(even, initial=0)), list(accumulate(odd, initial=0)))

    def luhn(self, start: int, end: int) -> bool:
        """Luhn check of ``digits[start:end]`` in O(1), from prefix sums: the rightmost digit
        counts plain, so which table applies depends on the parity of ``end``."""
        table = self._luhn[(end - 1) % 2]
        return (table[end] - table[start]) % 10 == 0

    def uniform(self, first: int, last: int) -> bool:
        """Groups ``first``..``last`` are joined by one separator that is not weak."""
        return last == first or (not self.weak[first] and self.same_until[first] >= last)

    def position(self, index: int) -> int:
        """View offset of digit ``index`` (a group's digits are contiguous in the view)."""
        group = self.group_of[index]
        return self.offsets[group] + index - self.starts[group]

    def first_group(self, start: int) -> int:
        """Index of the group that begins at digit ``start``."""
        return self.group_of[start]

    def last_group(self, end: int) -> int:
        """Index of the group holding the digit before ``end``."""
        return self.group_of[end - 1]


def _parse(match: re.Match[str]) -> Run:
    digits: list[str] = []
    offsets: list[int] = []
    starts: list[int] = []
    gaps: list[str] = []
    count = 0
    base = match.start()
    for gap, group in _PIECE.findall(match.group()):
        if gap:
            gaps.append(gap)
            base += len(gap)
            continue
        starts.append(count)
        offsets.append(base)
        digits.append(group)
        count += len(group)
        base += len(group)
    return Run("".join(digits), offsets, starts, gaps)


def runs(text: str, *, listed: bool) -> Iterator[Run]:
    """Runs of 12 or more digits; ``listed`` also joins groups written as a list ("4539, 5787")."""
    for match in (_LISTED_RUN if listed else _RUN).finditer(text):
        if _digit_count(match.group()) >= 12 and not _IP_LIST.fullmatch(match.group()):
            yield _parse(match)


def _digit_count(text: str) -> int:
    return sum(map(text.count, "0123456789"))


class Cover:
    """The union of some windows, as sorted disjoint intervals, asked about overlaps."""

    def __init__(self, windows: list[tuple[int, int, bool]]) -> None:
        self._starts: list[int] = []
        self._ends: list[int] = []
        for start, end, _ in sorted(windows):
            if self._ends and start <= self._ends[-1]:
                self._ends[-1] = max(self._ends[-1], end)
            else:
                self._starts.append(start)
                self._ends.append(end)

    def overlaps(self, window: tuple[int, int, bool]) -> bool:
        index = bisect_right(self._starts, window[0]) - 1
        if index >= 0 and self._ends[index] > window[0]:
            return True
        return index + 1 < len(self._starts) and self._starts[index + 1] < window[1]


def clusters(windows: list[tuple[int, int, bool]]) -> list[list[tuple[int, int, bool]]]:
    """Windows grouped where they overlap, in one pass over them sorted."""
    clusters: list[list[tuple[int, int, bool]]] = []
    reach = -1
    for window in sorted(windows):
        if clusters and window[0] < reach:
            clusters[-1].append(window)
            reach = max(reach, window[1])
        else:
            clusters.append([window])
            reach = window[1]
    return clusters
