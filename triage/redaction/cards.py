"""Card numbers, and the CVV and expiry date written right after them.

A "run" (see ``card_runs``) is digits joined by short separators. A PAN is a window of a run that
starts and ends at group boundaries, has a network prefix and length, and passes Luhn; a
Luhn-failing window only counts with card words nearby, so that order ids survive. Long runs
(tables, CSV, IP lists) need a consistently written window, one set off from its neighbours or
filling whole lines, card words nearby, only short numbers beside it (a date, a time), or a card
right beside it. What stays ambiguous: with no card words, a card written like the numbers
around it, or with more than 11 digits of other numbers around it joined by the separators it
uses itself, reads as a list and is left alone.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Iterator
from functools import cache

from triage.redaction.base import CVV, EXPIRY, PAN, Finding
from triage.redaction.card_runs import Cover, Run, clusters, runs
from triage.redaction.normalize import View, digits_only_runs, luhn_ok

CARD_WORDS = (
    *("card", "karte", "tarjeta", "carte", "cart[aã]o", r"carta\b", "kaart", r"\bkort"),
    *(r"\bkarta", "visa", r"master\s?card", r"\bamex\b", "american express", "discover"),
    *(r"\bjcb\b", "diners", r"union\s?pay", "maestro", r"\bpan\b", r"\bcc\b", r"\bccn\b"),
    *("cvv", "cvc", "credit", "kredit", "debit", "d[ée]bito", "cr[ée]dito", r"\bcb\b", r"\bbin\b"),
    *(r"\bkart(?:\b|[ıiu])", "карт", "кредит", "カード", "卡", "بطاق", "कार्ड", "כרטיס", "κάρτα"),
    *("thẻ", "บัตร", "카드"),
)


def _first_letters(words: tuple[str, ...]) -> str:
    """Each card word's first character (all are plain letters after an optional \\b)."""
    return "".join(sorted({word.removeprefix(r"\b")[0] for word in words}))


# The lookahead rejects most positions with one character-class test instead of trying every
# alternative in turn (about 3x faster on a long note); it admits every first letter, so the
# matches are exactly those of the bare alternation.
CARD_CONTEXT = re.compile(rf"(?i)(?=[{_first_letters(CARD_WORDS)}])(?:{'|'.join(CARD_WORDS)})")
_CONTEXT_BEFORE, _CONTEXT_AFTER = 80, 40
_SHORT_RUN = 23  # a PAN plus expiry or CVV; longer runs are tables, lists or logs
_EXPIRY_AND_CVV = 8
# The CVV is not the year of a date that follows the card ("... 1111 2024-11-05").
_TAIL = re.compile(
    r"[\s,;:|()\[\]/.>*-]{0,6}"
    r"(?:(?i:exp(?:iry|iration|ires|ira)?\.?(?:\s*date)?|valid\s*(?:thru|through|until)"
    r"|cvv2?|cvc2?|cid|csc|code|ablauf(?:datum)?|g[üu]ltig\s*bis|vence|caducidad|fecha))?"
    r"[\s:=#.-]{0,3}(?:(?P<exp>(?:0?[1-9]|1[0-2])\s?[/.-]\s?(?:20)?[0-9]{2}"
    r"|(?:0[1-9]|1[0-2])(?:20)?[0-9]{2})|(?P<cvv>[0-9]{3,4}(?![/.-][0-9]{1,2}[/.-][0-9])))"
    r"(?![0-9])"
)
Window = tuple[int, int, bool]  # digit start, digit end, Luhn-valid
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


@cache
def _lengths(prefix: str) -> frozenset[int]:
    """Card lengths a number starting with these (four) digits may have; empty for none."""
    allowed: set[int] = set()
    for width, low, high, lengths in _BRANDS:
        if low <= int(prefix[:width]) <= high:
            allowed |= lengths
    return frozenset(allowed)


def card_shaped(digits: str) -> bool:
    """Network prefix and length of some brand."""
    return len(digits) >= 4 and len(digits) in _lengths(digits[:4])


# The engine's own markers: "PAN" and "CVV" in them are not card words, or redacting a redacted
# text again would read the digits beside a marker as a card the first pass had no cause to see.
_OWN_MARKERS = re.compile(r"\[(?:PAN \.\.\.[0-9]{4}|CVV)\]")


class _Context:
    """Card words in the view, found once and queried by distance."""

    def __init__(self, text: str) -> None:
        own = {m.start() + 1 for m in _OWN_MARKERS.finditer(text)}
        self._hits = [m.start() for m in CARD_CONTEXT.finditer(text) if m.start() not in own]

    def __bool__(self) -> bool:
        return bool(self._hits)

    def near(self, start: int, end: int) -> bool:
        index = bisect_left(self._hits, start - _CONTEXT_BEFORE)
        return index < len(self._hits) and self._hits[index] <= end + _CONTEXT_AFTER


def _windows(run: Run) -> Iterator[tuple[int, int, bool]]:
    """Card-shaped digit windows starting at a group; ``aligned`` if they end at one too,
    otherwise they end at most 8 digits before their group does (a PAN with its expiry or
    CVV typed straight after it). Each start tries only its brand's lengths: linear time.
    """
    digits, group_of, ends = run.digits, run.group_of, run.ends
    size = len(digits)
    for start in run.starts:
        for length in _lengths(digits[start : start + 4]):
            end = start + length
            if end > size:
                continue
            if end == size or group_of[end] != group_of[end - 1]:
                yield start, end, True
            elif ends[group_of[end]] - end <= 8:
                yield start, end, False


def _stands_apart(run: Run, first: int, last: int) -> bool:
    """Groups ``first``..``last`` begin or end where the run does, or where the separator
    changes.

    In a long list of numbers ("5120 4450 3980 6210 5530") a window in the middle is
    separated from its neighbours exactly as its own groups are: that is a list, not a card.
    """
    if first == 0 or last == len(run.gaps) or first == last:
        return True
    inner = run.gaps[first]
    return run.gaps[first - 1] != inner or run.gaps[last] != inner or _sized_apart(run, first, last)


# How cards of these lengths are printed, when not in groups of four (Amex 4-6-5, ...).
_PRINTED = {
    13: (4, 3, 3, 3),
    14: (4, 6, 4),
    15: (4, 6, 5),
    17: (4, 4, 4, 5),
    18: (4, 4, 4, 6),
    19: (4, 4, 4, 4, 3),
}


def _sized_apart(run: Run, first: int, last: int) -> bool:
    """The window's groups are all one size (or printed as a card of its length is) and the
    groups on either side do not carry on the list (another size, or a group of the same size
    that a different separator ties to what lies beyond it): a card between a date and a time
    ("2024-11-05 4111 1111 1111 1111 10:22", "... 1111 2024-11-05"), not a list of amounts."""
    sizes = tuple(run.ends[i] - run.starts[i] for i in range(first, last + 1))
    if len(set(sizes)) > 1 and sizes != _PRINTED.get(sum(sizes)):
        return False
    inner = run.gaps[first]

    def carries_on(group: int, edge: int, beyond: int) -> bool:
        if run.ends[group] - run.starts[group] != run.ends[edge] - run.starts[edge]:
            return False
        return not 0 <= beyond < len(run.gaps) or run.gaps[beyond] == inner

    return not (carries_on(first - 1, first, first - 2) or carries_on(last + 1, last, last + 1))


def _accept(run: Run, start: int, end: int, aligned: bool, context: bool) -> bool:
    if end - start == 12 and not context:
        # Without card words, a 12-digit number is an account or order id.
        return False
    if not aligned:
        group = run.group_of[end]
        if group != run.first_group(start) and len(run.digits) > _SHORT_RUN:
            return False
        leftover = run.digits[end : run.ends[group]]
        return run.luhn(start, end) and (context or bool(_MMYY.fullmatch(leftover)))
    if len(run.digits) <= _SHORT_RUN:
        luhn = run.luhn(start, end)
        if luhn and not context and _part_of_one_number(run, start, end):
            return False
        return luhn or context
    # Long runs are tables, lists and logs: a card there is written consistently, is set off
    # from its neighbours, fills whole lines (a number split across lines, between other lines
    # of digits) or has card words nearby.
    first, last = run.first_group(start), run.last_group(end)
    if not run.uniform(first, last):
        return run.luhn(start, end) and (
            context
            or _whole_lines(run, first, last)
            or _delimited(run, first, last)
            or _beside_short_numbers(run, start, end)
        )
    apart = _stands_apart(run, first, last)
    if apart and context:
        return True
    return (apart or context) and run.luhn(start, end)


def _part_of_one_number(run: Run, start: int, end: int) -> bool:
    """A window cut out of a number written as one ("6466 6247 5227 6687 12"): groups of its
    size and separator go on right before or after it. Typically an order id whose first
    three groups pass Luhn as a 12-digit Maestro. A longer window in a longer run keeps the
    benefit of the doubt (a card after a 4-digit reference); an MM/YY group after it is expiry.
    """
    if start == 0 and end == len(run.digits):
        return False
    if end - start == 12:
        # Real 12-digit Maestro cards are rare; inside a longer number they are an accident,
        # unless what follows reads as the card's CVV or expiry.
        tail = run.digits[end:]
        return not (start == 0 and (len(tail) == 3 or _MMYY.fullmatch(tail)))
    if len(run.digits) > 19:
        return False
    first, last = run.first_group(start), run.last_group(end)
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


def _glued_pairs(run: Run) -> list[tuple[int, int, bool]]:
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


def _delimited(run: Run, first: int, last: int) -> bool:
    """The gaps on either side of groups ``first``..``last`` (or the run's edges) are unlike any
    gap inside them: "4111-1111 1111.1111 / 5500 ..." sets the card off from its neighbours."""
    inner = set(run.gaps[first:last])
    before = first == 0 or run.gaps[first - 1] not in inner
    return before and (last == len(run.gaps) or run.gaps[last] not in inner)


def _beside_short_numbers(run: Run, start: int, end: int) -> bool:
    """What the run holds on either side is too short to be a card: a date, time, amount or
    reference pasted beside one ("2024-11-05 4111-1111 1111.1111 10:22", "paid 12.50
    4111-1111 1111.1111 2024-11-05")."""
    return start < 12 and len(run.digits) - end < 12


def _whole_lines(run: Run, first: int, last: int) -> bool:
    """Groups ``first``..``last`` begin and end at the run's edges or at weak gaps; at the end
    an expiry and CVV may follow ("... 4772 02 09/28 123")."""
    starts_line = first == 0 or run.weak[first - 1]
    ends_line = last == len(run.gaps) or run.weak[last]
    tail = len(run.digits) - run.ends[last] <= _EXPIRY_AND_CVV
    return starts_line and (ends_line or tail)


def _held_back(run: Run, start: int, end: int, aligned: bool) -> bool:
    """A Luhn-valid window of 13 or more digits, group-aligned in a long run, that was not
    accepted on its own evidence."""
    return aligned and end - start > 12 and len(run.digits) > _SHORT_RUN and run.luhn(start, end)


def _beside_cards(run: Run, accepted: list[Window], held: list[Window]) -> list[Window]:
    """Held-back windows beside an accepted card, and pairs of held-back windows with mixed
    separators beside each other: cards pasted one after another
    ("4111-1111 1111.1111 09/28 4111-1111 1111.1111"), where the gap between them is one the
    cards use inside too, or an expiry date and CVV. Two Luhn-valid, card-shaped numbers next
    to each other by chance are rare (about 1 in 100); consistently written lists only join an
    accepted card."""
    starting: dict[int, list[Window]] = defaultdict(list)
    ending: dict[int, list[Window]] = defaultdict(list)
    for window in held:
        starting[window[0]].append(window)
        ending[window[1]].append(window)

    def neighbours(window: Window) -> Iterator[Window]:
        group = bisect_left(run.starts, window[1])
        while group < len(run.starts) and run.starts[group] - window[1] <= _EXPIRY_AND_CVV:
            yield from starting.get(run.starts[group], ())
            group += 1
        group = run.group_of[window[0]] - 1 if window[0] else -1
        while group >= 0 and window[0] - run.ends[group] <= _EXPIRY_AND_CVV:
            yield from ending.get(run.ends[group], ())
            group -= 1

    def mixed(window: Window) -> bool:
        return not run.uniform(run.first_group(window[0]), run.last_group(window[1]))

    queue = list(accepted)
    for window in filter(mixed, held):
        if any(mixed(other) and other[0] >= window[1] for other in neighbours(window)):
            queue.append(window)
    taken: set[Window] = set(queue) - set(accepted)
    while queue:
        window = queue.pop()
        # A consistently written window taken for its neighbour does not pass that on to the
        # next one: a list of numbers ("1.2.3.4.5.1.2.3.4.5...") would be taken whole.
        listed = window in taken and not mixed(window)
        for neighbour in neighbours(window):
            if neighbour not in taken and not (listed and not mixed(neighbour)):
                taken.add(neighbour)
                queue.append(neighbour)
    return [window for window in held if window in taken]


def _run_findings(run: Run, context: _Context) -> list[Finding]:
    accepted: list[Window] = []
    held: list[Window] = []
    for start, end, aligned in _windows(run):
        near = context.near(run.position(start), run.position(end - 1))
        if _accept(run, start, end, aligned, near):
            accepted.append((start, end, run.luhn(start, end)))
        elif _held_back(run, start, end, aligned):
            held.append((start, end, True))
    accepted += _beside_cards(run, accepted, held)
    accepted += _glued_pairs(run)
    valid = [w for w in accepted if w[2]]
    # A Luhn-valid PAN explains the run; Luhn-failing windows over it would only blur last4.
    cover = Cover(valid)
    kept = valid + [w for w in accepted if not w[2] and not cover.overlaps(w)]
    return [_to_finding(run, cluster) for cluster in clusters(kept)]


def _to_finding(run: Run, cluster: list[tuple[int, int, bool]]) -> Finding:
    start = min(w[0] for w in cluster)
    end = max(w[1] for w in cluster)
    shown = max(cluster, key=lambda w: (w[2], w[1]))
    last4 = run.digits[shown[1] - 4 : shown[1]]
    return Finding(PAN, run.position(start), run.position(end - 1) + 1, last4)


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
        found: list[Finding] = []
        context = _Context(text)
        for run in runs(text, listed=bool(context)):
            found.extend(_run_findings(run, context))
        for pan_end in sorted({f.end for f in found}):
            found.extend(_tail(text, pan_end))
        return found


def contains_pan(text: str) -> bool:
    """True if a card-shaped (network prefix and length) Luhn-valid run remains.

    The LLM client and write-back refuse to send such text. Requiring a network prefix keeps
    ids and timestamps (one in ten digit runs passes Luhn by chance) from blocking them.
    """
    return any(
        13 <= len(run) <= 19 and card_shaped(run) and luhn_ok(run) for run in digits_only_runs(text)
    )
