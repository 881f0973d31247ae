"""Card numbers, and the CVV and expiry date written right after them.

A "run" is digits joined by short separators (spaces, dashes, dots, slashes, tabs, line breaks
with quote markers, HTML tags, URL/JSON/HTML-escaped spaces). A PAN is a window of a run that
starts and ends at group boundaries, has a network prefix and length, and passes Luhn; a
Luhn-failing window only counts with card words nearby, so that order ids survive. Long runs
(tables, CSV, IP lists) need a consistently written window or one filling whole lines.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Iterator
from dataclasses import dataclass

from triage.redaction.base import CVV, EXPIRY, PAN, Finding
from triage.redaction.normalize import View, luhn_ok

# Any HTML entity, JSON \\uXXXX escape or run of URL escapes can sit between groups: a written
# digit among them ("&#52;") is too contrived to matter, a missed separator leaks a card.
_ATOM = (
    r"(?:[ \t\r\x0b\x0c\-./|_+\"']|\\[nrt/\\]|\\u[0-9A-Fa-f]{4}"
    r"|&(?:[A-Za-z]{2,8}|#[0-9]{1,7}|#[xX][0-9A-Fa-f]{1,6});"
    r"|(?:%[0-9A-Fa-f]{2}){1,3}|</?[A-Za-z][^<>\n]{0,40}>|<!--[^<>]{0,20}-->"
    r"|=?\r?\n(?:[ \t]*>)*)"
)
_RUN = re.compile(rf"[0-9]+(?:(?:{_ATOM}|,){{1,8}}[0-9]+)*")
# Splits a run into digit groups and gaps; gaps go first because "%20" and "&#160;" hold digits.
_PIECE = re.compile(rf"(?P<gap>(?:{_ATOM}|,)+)|(?P<digits>[0-9]+)")
_WEAK_GAP = re.compile(r"[\n,|<&%\\]")
CARD_CONTEXT = re.compile(
    r"(?i)card|karte|tarjeta|carte|cart[aã]o|carta\b|kaart|\bkort|\bkarta|visa|master\s?card"
    r"|\bamex\b|american express|discover|\bjcb\b|diners|union\s?pay|maestro|\bpan\b|\bcc\b"
    r"|\bccn\b|cvv|cvc|credit|kredit|debit|d[ée]bito|cr[ée]dito|\bcb\b|\bbin\b"
    r"|\bkart(?:\b|[ıiu])|карт|кредит|カード|卡|بطاق|कार्ड|כרטיס|κάρτα|thẻ|บัตร|카드"
)
_CONTEXT_BEFORE, _CONTEXT_AFTER = 80, 40
_SHORT_RUN = 23  # a PAN plus expiry or CVV; longer runs are tables, lists or logs
_TAIL = re.compile(
    r"[\s,;:|()\[\]/.>*-]{0,6}"
    r"(?:(?i:exp(?:iry|iration|ires|ira)?\.?(?:\s*date)?|valid\s*(?:thru|through|until)"
    r"|cvv2?|cvc2?|cid|csc|code|ablauf(?:datum)?|g[üu]ltig\s*bis|vence|caducidad|fecha))?"
    r"[\s:=#.-]{0,3}(?:(?P<exp>(?:0?[1-9]|1[0-2])\s?[/.-]\s?(?:20)?[0-9]{2}"
    r"|(?:0[1-9]|1[0-2])(?:20)?[0-9]{2})|(?P<cvv>[0-9]{3,4}))(?![0-9])"
)
_MMYY = re.compile(r"(?:0[1-9]|1[0-2])(?:2[4-9]|3[0-9])(?:[0-9]{3,4})?")

# (prefix length, lowest prefix, highest prefix, allowed lengths)
_ANY = frozenset(range(12, 20))
_BRANDS: tuple[tuple[int, int, int, frozenset[int]], ...] = (
    (1, 4, 4, frozenset({13, 16, 19})),  # Visa
    (2, 51, 55, frozenset({16})),  # Mastercard
    (4, 2221, 2720, frozenset({16})),  # Mastercard 2-series
    (2, 34, 34, frozenset({15})),  # Amex
    (2, 37, 37, frozenset({15})),
    (4, 3528, 3589, frozenset(range(16, 20))),  # JCB
    (3, 300, 305, frozenset(range(14, 20))),  # Diners
    (2, 36, 36, frozenset(range(14, 20))),
    (2, 38, 39, frozenset(range(14, 20))),
    (2, 50, 50, _ANY),  # Maestro (covers Discover 6011/644-649/65 and UnionPay 62)
    (2, 56, 69, _ANY),
)


def card_shaped(digits: str) -> bool:
    """Network prefix and length of some brand."""
    size = len(digits)
    return any(
        low <= int(digits[:width]) <= high and size in lengths
        for width, low, high, lengths in _BRANDS
    )


@dataclass(slots=True)
class _Run:
    digits: str
    positions: list[int]  # view offset of each digit
    starts: list[int]  # digit index where each group starts
    gaps: list[str]  # separator text after each group but the last

    @property
    def ends(self) -> list[int]:
        return [*self.starts[1:], len(self.digits)]


def _parse(match: re.Match[str]) -> _Run:
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
    return _Run("".join(digits), positions, starts, gaps)


class _Context:
    """Card words in the view, found once and queried by distance."""

    def __init__(self, text: str) -> None:
        self._hits = [m.start() for m in CARD_CONTEXT.finditer(text)]

    def near(self, start: int, end: int) -> bool:
        index = bisect_left(self._hits, start - _CONTEXT_BEFORE)
        return index < len(self._hits) and self._hits[index] <= end + _CONTEXT_AFTER


def _windows(run: _Run) -> Iterator[tuple[int, int, bool]]:
    """Digit windows of 12-19 starting at a group; ``aligned`` if they end at one too."""
    ends = run.ends
    for gi, start in enumerate(run.starts):
        for end in ends[gi:]:
            if end - start > 19:
                break
            if end - start >= 12:
                yield start, end, True
        yield from _glued(run, gi, start, ends)


def _glued(run: _Run, gi: int, start: int, ends: list[int]) -> Iterator[tuple[int, int, bool]]:
    """Windows ending inside a group: a PAN with its expiry or CVV typed straight after."""
    for end_index in range(gi, len(ends)):
        group_start = run.starts[end_index]
        for end in range(max(group_start + 1, start + 12), min(ends[end_index], start + 20)):
            if ends[end_index] - end <= 8:
                yield start, end, False


def _stands_apart(run: _Run, start: int, end: int, inner: set[str]) -> bool:
    """The window begins or ends where the run does, or where the separator changes.

    In a long list of numbers ("5120 4450 3980 6210 5530") a window in the middle is
    separated from its neighbours exactly as its own groups are: that is a list, not a card.
    """
    first = run.starts.index(start)
    last = run.ends.index(end)
    before = run.gaps[first - 1] if first > 0 else None
    after = run.gaps[last] if last < len(run.gaps) else None
    return before is None or after is None or before not in inner or after not in inner


def _accept(run: _Run, start: int, end: int, aligned: bool, context: bool) -> bool:
    digits = run.digits[start:end]
    if not card_shaped(digits):
        return False
    if not aligned:
        group_end = next(e for e in run.ends if e > end)
        inside_one_group = run.ends.index(group_end) == run.starts.index(start)
        if not inside_one_group and len(run.digits) > _SHORT_RUN:
            return False
        leftover = run.digits[end:group_end]
        return luhn_ok(digits) and (context or bool(_MMYY.fullmatch(leftover)))
    luhn = luhn_ok(digits)
    if len(run.digits) <= _SHORT_RUN:
        if luhn and not context and _part_of_one_number(run, start, end):
            return False
        return luhn or context
    # Long runs are tables, lists and logs: a card there is written consistently, or fills
    # whole lines (a number split across lines, between other lines of digits).
    first, last = run.starts.index(start), run.ends.index(end)
    inner = set(run.gaps[first:last])
    if len(inner) > 1 or any(_WEAK_GAP.search(gap) for gap in inner):
        return luhn and _whole_lines(run, first, last)
    apart = _stands_apart(run, start, end, inner)
    return (luhn and (apart or context)) or (apart and context)


def _part_of_one_number(run: _Run, start: int, end: int) -> bool:
    """A window cut out of a number written as one ("6466 6247 5227 6687 12"): groups of its
    size and separator go on right before or after it. Typically an order id whose first
    three groups pass Luhn as a 12-digit Maestro. A longer window in a longer run keeps the
    benefit of the doubt (a card after a 4-digit reference); an MM/YY group after it is expiry.
    """
    if end - start > 12 and len(run.digits) > 19:
        return False
    first, last = run.starts.index(start), run.ends.index(end)
    sizes = {run.ends[i] - run.starts[i] for i in range(first, last + 1)}
    gaps = set(run.gaps[first:last])
    if len(sizes) != 1 or len(gaps) > 1:
        return False
    size = sizes.pop()

    def continues(index: int, gap: str) -> bool:
        group = run.digits[run.starts[index] : run.ends[index]]
        return len(group) == size and (not gaps or gap in gaps)

    before = first > 0 and continues(first - 1, run.gaps[first - 1])
    after = last + 1 < len(run.starts) and continues(last + 1, run.gaps[last])
    if after and _MMYY.fullmatch(run.digits[run.starts[last + 1] : run.ends[last + 1]]):
        after = False
    return before or after


def _glued_pairs(run: _Run) -> list[tuple[int, int, bool]]:
    """Two card numbers typed with nothing between them: one long group that splits into two
    card-shaped, Luhn-valid halves (an ARN or a long id almost never does)."""
    found: list[tuple[int, int, bool]] = []
    for start, end in zip(run.starts, run.ends, strict=True):
        if not 24 <= end - start <= 38:
            continue
        for cut in range(max(start + 12, end - 19), min(start + 20, end - 11)):
            halves = (run.digits[start:cut], run.digits[cut:end])
            if all(card_shaped(half) and luhn_ok(half) for half in halves):
                found += [(start, cut, True), (cut, end, True)]
                break
    return found


def _whole_lines(run: _Run, first: int, last: int) -> bool:
    """Groups ``first``..``last`` begin and end at the run's edges or at weak gaps."""
    starts_line = first == 0 or bool(_WEAK_GAP.search(run.gaps[first - 1]))
    ends_line = last == len(run.gaps) or bool(_WEAK_GAP.search(run.gaps[last]))
    return starts_line and ends_line


def _run_findings(run: _Run, context: _Context) -> list[Finding]:
    accepted: list[tuple[int, int, bool]] = []
    for start, end, aligned in _windows(run):
        near = context.near(run.positions[start], run.positions[end - 1])
        if _accept(run, start, end, aligned, near):
            accepted.append((start, end, luhn_ok(run.digits[start:end])))
    accepted += _glued_pairs(run)
    valid = [w for w in accepted if w[2]]
    # A Luhn-valid PAN explains the run; Luhn-failing windows over it would only blur last4.
    kept = valid + [w for w in accepted if not w[2] and not _overlaps(w, valid)]
    return [_to_finding(run, cluster) for cluster in _clusters(kept)]


def _overlaps(window: tuple[int, int, bool], others: list[tuple[int, int, bool]]) -> bool:
    return any(window[0] < other[1] and other[0] < window[1] for other in others)


def _clusters(windows: list[tuple[int, int, bool]]) -> list[list[tuple[int, int, bool]]]:
    clusters: list[list[tuple[int, int, bool]]] = []
    for window in sorted(windows):
        if clusters and window[0] < max(w[1] for w in clusters[-1]):
            clusters[-1].append(window)
        else:
            clusters.append([window])
    return clusters


def _to_finding(run: _Run, cluster: list[tuple[int, int, bool]]) -> Finding:
    start = min(w[0] for w in cluster)
    end = max(w[1] for w in cluster)
    shown = max(cluster, key=lambda w: (w[2], w[1]))
    last4 = run.digits[shown[1] - 4 : shown[1]]
    return Finding(PAN, run.positions[start], run.positions[end - 1] + 1, last4)


def _tail(text: str, position: int) -> list[Finding]:
    """Expiry and CVV typed within a few characters after a PAN."""
    found: list[Finding] = []
    for _ in range(2):
        match = _TAIL.match(text, position)
        if match is None:
            break
        kind, group = (EXPIRY, "exp") if match.group("exp") else (CVV, "cvv")
        found.append(Finding(kind, match.start(group), match.end(group)))
        position = match.end()
    return found


class CardRecognizer:
    name = "card_number"
    entities = (PAN, CVV, EXPIRY)

    def find(self, view: View) -> list[Finding]:
        text = view.text
        if view.digits < 12:
            return []
        context: _Context | None = None
        found: list[Finding] = []
        for match in _RUN.finditer(text):
            if _digit_count(match.group()) >= 12:
                context = context or _Context(text)
                found.extend(_run_findings(_parse(match), context))
        for pan_end in sorted({f.end for f in found}):
            found.extend(_tail(text, pan_end))
        return found


def _digit_count(text: str) -> int:
    return sum(map(text.count, "0123456789"))
