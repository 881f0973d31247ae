"""Leak rates on random hostile texts: cards pasted beside each other and beside other numbers,
and tokens broken where they were pasted. Prints the share of texts that still leak.

Cards: one to three card numbers of every brand, each written in a random mix of separators
(or one of the adversarial corpus's formats), joined by separators, expiry dates, CVVs or words,
after a lead-in that does or does not name a card. Tokens: every kind of the adversarial
corpus's token secrets, cut at a random point by a line wrap, quote marker, soft break, markup,
an invisible character or a space, or written with HTML, URL or JSON escapes. Numbers: runs of
dates, times, amounts and ids with no card in them, and the share that redaction alters.

    .venv/bin/python bench/redaction_fuzz.py [--texts 20000] [--seed 1]
"""

from __future__ import annotations

import argparse
import random
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.redaction.adversarial_check import Case, leaks  # noqa: E402
from tests.redaction.adversarial_pans import (  # noqa: E402
    BRANDS,
    FORMATS,
    make_pan,
    split,
    standard_groups,
)
from tests.redaction.adversarial_secrets import _token_secrets  # noqa: E402
from triage.redaction import redact  # noqa: E402

SEPARATORS = (" ", "-", ".", "/", "\n", "\t", "  ", " - ", "&nbsp;", "<br>", "\\n", "\u00a0")
JOINERS = (" ", " / ", ", ", "; ", "\n", " and ", "-", ".", "/", " | ", "\t", "  ", " or ")
BETWEEN = (" 09/28 ", " exp 09/28 cvv 123 ", " 123 ")
NO_CARD_WORDS = ("", "hi ", "order 88231 ", "2024-11-05 ", "10:22 ", "ref ", "paid 12.50 ")
CARD_WORDS = ("cards: ", "Karte ", "tarjeta ", "my card ")
ENDINGS = ("", " thanks", " 2024-11-05", ". Bitte prüfen.", " 10:22")
BREAKS: dict[str, Callable[[str, int], str]] = {
    "line wrap": lambda s, k: s[:k] + "\n" + s[k:],
    "quoted wrap": lambda s, k: s[:k] + "\n> " + s[k:],
    "soft break": lambda s, k: s[:k] + "=\n" + s[k:],
    "markup": lambda s, k: s[:k] + "</span><span>" + s[k:],
    "zero width": lambda s, k: s[:k] + "\u200b" + s[k:],
    "space": lambda s, k: s[:k] + " " + s[k:],
    "html escapes": lambda s, k: s.replace("_", "&#95;"),
    "url escapes": lambda s, k: s.replace("_", "%5F"),
    "json escapes": lambda s, k: s.replace("_", "\\u005f"),
}


def _mixed(pan: str, rng: random.Random) -> str:
    sizes = standard_groups(len(pan))
    if rng.random() < 0.3:
        sizes = tuple(rng.choice((2, 3, 4, 5, 6)) for _ in range(10))
    groups = [group for group in split(pan, sizes) if group]
    return groups[0] + "".join(rng.choice(SEPARATORS) + group for group in groups[1:])


def _card_text(rng: random.Random, lead_ins: tuple[str, ...]) -> Case:
    pans = []
    for _ in range(rng.choice((1, 2, 2, 3))):
        _, prefixes, lengths = rng.choice(BRANDS)
        length = rng.choice([n for n in lengths if n != 12] or [16])
        pans.append(make_pan(rng, rng.choice(prefixes), length))
    written = [
        _mixed(pan, rng) if rng.random() < 0.6 else rng.choice(list(FORMATS.values()))(pan, rng)
        for pan in pans
    ]
    text = rng.choice(lead_ins) + written[0]
    for part in written[1:]:
        text += rng.choice(JOINERS + BETWEEN) + part
    return Case("card", text + rng.choice(ENDINGS), pans=tuple(pans))


def _leak_share(cases: list[Case]) -> float:
    leaked = sum(1 for case in cases if leaks(case, redact(case.text).text))
    return leaked / len(cases)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--texts", type=int, default=20_000, help="card texts per lead-in kind")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    for name, lead_ins in (("without card words", NO_CARD_WORDS), ("with card words", CARD_WORDS)):
        cases = [_card_text(rng, lead_ins) for _ in range(args.texts)]
        share = 100 * _leak_share(cases)
        print(f"cards pasted together, {name:<19} {share:5.2f}% leak", flush=True)
    leaked: Counter[str] = Counter()
    total: Counter[str] = Counter()
    for _ in range(max(1, args.texts // 500)):
        for _label, secret in _token_secrets(rng):
            for name, broken in BREAKS.items():
                text = f"here is our key {broken(secret, rng.randrange(5, len(secret) - 3))} ok"
                total[name] += 1
                case = Case("token", text, secrets=(secret,))
                leaked[name] += bool(leaks(case, redact(text).text))
    for name in BREAKS:
        share = 100 * leaked[name] / total[name]
        print(f"tokens broken by {name:<14} {share:5.2f}% leak  ({total[name]} texts)")
    for uniform in (True, False):
        texts = [_numbers_text(rng, uniform) for _ in range(args.texts)]
        share = 100 * sum(redact(text).text != text for text in texts) / len(texts)
        kind = "one separator" if uniform else "mixed separators"
        print(f"numbers that are no card, {kind:<16} {share:5.2f}% altered")


NUMBER_SEPARATORS = (" ", "-", ".", "/", ", ", " | ", "\t", ":")
NUMBER_LEAD_INS = ("order ", "paid ", "", "ref ", "2024-11-05 ")


def _number(rng: random.Random) -> str:
    kind = rng.randrange(5)
    if kind == 0:
        return f"{rng.randint(2019, 2026)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
    if kind == 1:
        return f"{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}"
    if kind == 2:
        return f"{rng.randint(1, 9999)}.{rng.randint(0, 99):02d}"
    if kind == 3:
        digits = rng.randint(2, 8)
        return str(rng.randint(10**digits, 10 ** (digits + 1)))
    return " ".join(str(rng.randint(1000, 9999)) for _ in range(rng.randint(1, 3)))


def _numbers_text(rng: random.Random, uniform: bool) -> str:
    """Dates, times, amounts and ids side by side, with no card put in: what redaction alters
    here (a Luhn-valid run by chance, a phone-shaped one) is the price of its card rules."""
    separator = rng.choice(NUMBER_SEPARATORS)
    parts = [_number(rng) for _ in range(rng.randint(2, 6))]
    text = parts[0]
    for part in parts[1:]:
        text += (separator if uniform else rng.choice(NUMBER_SEPARATORS)) + part
    return rng.choice(NUMBER_LEAD_INS) + text


if __name__ == "__main__":
    main()
