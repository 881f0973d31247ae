"""Card-number positives: every brand and length, in every format, in hand-written contexts."""

from __future__ import annotations

import random
import re
from collections.abc import Iterator

from tests.redaction.adversarial_check import Case
from tests.redaction.adversarial_pans import BRANDS, FORMATS, make_pan, split, standard_groups

# Contexts a PAN gets pasted into. {f} is the formatted number.
CONTEXTS: tuple[str, ...] = (
    "Card number: {f}",
    "cc:{f}exp0928",
    "my visa is{f}thanks",
    "Hi team, customer called about a double charge on {f}, please advise.",
    "({f})",
    "[{f}]",
    "card='{f}'",
    "**{f}**",
    "`{f}`",
    "<{f}>",
    '{{"card_number": "{f}", "amount": 1999, "currency": "eur"}}',
    '{{"payment_method":{{"card":{{"number":"{f}"}}}}}}',
    "https://shop.example.com/checkout?cc={f}&amount=12.00",
    "GET /api/v1/pay?card_number={f}&cvc_check=pass HTTP/1.1",
    "<p>Kartennummer: {f}</p>",
    "<td>{f}</td>",
    "| Field | Value |\n|---|---|\n| Card | {f} |\n| Status | declined |",
    "> On Mon, Jane wrote:\n> my card is {f}\n> please help",
    ">> card {f}",
    "Número de tarjeta {f}, me han cobrado dos veces.",
    "Numéro de carte bancaire : {f} — merci de rembourser.",
    "Meine Kreditkarte {f} wurde abgelehnt.",
    "Il numero della carta è {f}",
    "O número do cartão é {f}, obrigado",
    "kaartnummer {f} werkt niet",
    "カード番号：{f}",
    "卡号{f}支付失败",
    "номер карты {f}",
    "رقم البطاقة {f}",
    "कार्ड नंबर {f} है",
    "kart numarası: {f}",
    "2026-11-24T10:15:30Z INFO charge.failed card={f} merchant=acct_1Nq amount=4200",
    "name,card,exp\nJane Roe,{f},09/28",
    "refund pls\n\n{f}\n\nthx",
    "PAN#{f}#",
    "{f}",
    "Tel. 030 1234 / card {f} / Bestellung 88812",
    "Sent from my iPhone 📱 — card {f} 💳",
    "Cliente: María José Ñúñez; tarjeta {f}; importe 45,90 €",
    "ticket #48213: please remove {f} from the notes",
)


# Words that put a number in card context, as the contexts above write them.
_CARD_WORD = re.compile(
    r"(?i)card|cc\b|\bpan\b|visa|tarjeta|carte|karte|carta|cart[aã]o|kaart|kart|карт|カード|卡"
    r"|بطاق|कार्ड"
)


def _case(label: str, context: str, formatted: str, pan: str) -> Case:
    """A 12-digit number without card words is an account or order id (issue 14): a negative."""
    if len(pan) == 12 and not _CARD_WORD.search(context):
        return Case(f"id12 {label}", context.format(f=formatted))
    return Case(label, context.format(f=formatted), pans=(pan,))


def _quoted_split(pan: str, marker: str) -> str:
    groups = split(pan, standard_groups(len(pan)))
    half = len(groups) // 2
    head, tail = " ".join(groups[:half]), " ".join(groups[half:])
    return f"{marker}Thanks, the card is {head}\n{marker}{tail} and it expired?"


def _table_split(pan: str) -> str:
    cells = " | ".join(split(pan, standard_groups(len(pan))))
    return f"| card | {cells} |\n|---|---|---|---|---|"


def _with_neighbours(pan: str, rng: random.Random) -> str:
    """Digits next to the PAN with the same separator: expiry, CVV, quantities."""
    spaced = " ".join(split(pan, standard_groups(len(pan))))
    return rng.choice(
        (
            f"card {spaced} 09 28 on file",
            f"#3 {spaced}",
            f"{spaced} x2 pls",
            f"qty 2 {spaced}",
            f"{pan}/0928/on-file",
            f"{pan} 2028 cardholder",
        )
    )


def _layouts(pan: str, rng: random.Random) -> Iterator[tuple[str, str]]:
    yield "quoted-split", _quoted_split(pan, "> ")
    yield "quoted2-split", _quoted_split(pan, ">> ")
    yield "quoted-crlf", _quoted_split(pan, "> ").replace("\n", "\r\n")
    yield "table-split", _table_split(pan)
    yield "neighbours", _with_neighbours(pan, rng)


def valid_pan_cases(rng: random.Random) -> Iterator[Case]:
    """Every brand x prefix x length, cycled through every format and context."""
    formats, turn = list(FORMATS.items()), 0
    for brand, prefixes, lengths in BRANDS:
        for length in lengths:
            for prefix in prefixes:
                for _ in range(2 if len(prefixes) < 3 else 1):
                    pan = make_pan(rng, prefix, length)
                    name, fmt = formats[turn % len(formats)]
                    context = CONTEXTS[turn % len(CONTEXTS)]
                    turn += 1
                    label = f"{brand}{length} {name} ctx{turn % len(CONTEXTS)}"
                    yield _case(label, context, fmt(pan, rng), pan)


def format_sweep_cases(rng: random.Random) -> Iterator[Case]:
    """Every format for one PAN of each length class, so no format escapes by rotation luck."""
    samples = [("visa", "4", 16), ("amex", "37", 15), ("up", "62", 19), ("maestro", "50", 12)]
    for brand, prefix, length in samples:
        for name, fmt in FORMATS.items():
            pan = make_pan(rng, prefix, length)
            context = CONTEXTS[rng.randrange(len(CONTEXTS))]
            yield _case(f"sweep {brand}{length} {name}", context, fmt(pan, rng), pan)


def layout_cases(rng: random.Random) -> Iterator[Case]:
    for brand, prefixes, lengths in BRANDS:
        pan = make_pan(rng, prefixes[-1], lengths[-1])
        for name, text in _layouts(pan, rng):
            yield Case(f"layout {brand} {name}", text, pans=(pan,))


def multi_pan_cases(rng: random.Random) -> Iterator[Case]:
    for index in range(12):
        first = make_pan(rng, "4", 16)
        second = make_pan(rng, ("51", "37", "62", "2221")[index % 4], (16, 15, 19, 16)[index % 4])
        sep = (" ", "\n", ", ", "/", " ", "")[index % 6]
        text = f"both cards failed: {first}{sep}{second}"
        if index % 3 == 0:
            old, new = " ".join(split(first, (4,) * 4)), " ".join(split(second, (4,) * 5))
            text = f"old {old} new {new}"
        yield Case(f"multi-pan {index}", text, pans=(first, second))


_MIXED_SEPARATORS = (" ", "-", ".", "\n", "&nbsp;", "<br>", "\\n", " / ")
_PASTED_JOINERS = (" ", "-", ".", "/", " / ", "\n", "\t", "  ", " 09/28 ", " 123 ", " 11/27 456 ")
_NEIGHBOURS = ("2024-11-05", "05.11.2024", "10:22", "1 250.00", "88231", "+49 30 1234567")


def _mixed(pan: str, rng: random.Random) -> str:
    """A PAN's groups joined by separators that change from one gap to the next."""
    groups = split(pan, standard_groups(len(pan)))
    gaps = rng.sample(_MIXED_SEPARATORS, 2)
    out = groups[0]
    for index, group in enumerate(groups[1:]):
        out += gaps[index % 2] + group
    return out


def pasted_cards_cases(rng: random.Random) -> Iterator[Case]:
    """Two cards pasted one after the other, or a card pasted beside a date, time, amount or
    reference, each written with mixed separators: one long run of digits in which the gap
    between the numbers is one the card uses inside too."""
    pairs = (("4", 16), ("51", 16), ("37", 15), ("62", 19), ("6011", 16), ("36", 14))
    for index in range(48):
        first = make_pan(rng, *pairs[index % len(pairs)])
        second = make_pan(rng, *pairs[(index // len(pairs)) % len(pairs)])
        joiner = _PASTED_JOINERS[index % len(_PASTED_JOINERS)]
        written = _mixed(first, rng) + joiner + _mixed(second, rng)
        yield Case(f"pasted-pair {index}", f"tried both {written} today", pans=(first, second))
    for index in range(36):
        pan = make_pan(rng, *pairs[index % len(pairs)])
        neighbour = _NEIGHBOURS[index % len(_NEIGHBOURS)]
        joiner = (" ", "-", " / ")[index % 3]
        parts = (neighbour, _mixed(pan, rng))[:: 1 if index % 2 else -1]
        if index % 3 == 2 and len(neighbour) < 12:
            # With more than 11 digits around it, sharing its separators, a card is not told
            # apart from a list of numbers: a limit of the scanner, named in its docstring.
            parts = (*parts, _NEIGHBOURS[(index + 2) % len(_NEIGHBOURS)][:5])
        yield Case(f"pasted-beside {index}", f"ref {joiner.join(parts)} ok", pans=(pan,))


LUHN_FAILING_CONTEXTS: tuple[str, ...] = (
    "card number {f} declined",
    "Visa {f}",
    "PAN: {f}",
    "cc# {f}",
    "credit card {f} — is it blocked?",
    "tarjeta {f}",
    "Karte {f} wird nicht akzeptiert",
    "carte {f}",
    "Kartennummer: {f}",
    "número de tarjeta: {f}",
    "numéro de carte {f}",
    "Mastercard {f} refused",
    "amex {f}",
    "{f} (my debit card)",
    "the card on file is {f}, can you check?",
    "cartão {f}",
)


def luhn_failing_cases(rng: random.Random) -> Iterator[Case]:
    formats = ("plain", "spaces", "dashes", "nbsp", "fullwidth", "dots", "newline")
    for index, context in enumerate(LUHN_FAILING_CONTEXTS * 3):
        brand, prefixes, lengths = BRANDS[index % len(BRANDS)]
        pan = make_pan(rng, rng.choice(prefixes), rng.choice(lengths), valid=False)
        fmt_name = formats[index % len(formats)]
        text = context.format(f=FORMATS[fmt_name](pan, rng))
        yield Case(f"luhn-fail {brand} {fmt_name}", text, pans=(pan,))


def card_cases(seed: int = 20261124) -> list[Case]:
    rng = random.Random(seed)
    cases: list[Case] = []
    for generate in (
        valid_pan_cases,
        format_sweep_cases,
        layout_cases,
        multi_pan_cases,
        pasted_cards_cases,
    ):
        cases.extend(generate(rng))
    cases.extend(luhn_failing_cases(rng))
    return cases
