"""Luhn-valid (and deliberately Luhn-failing) card numbers for every brand and length, and the
ways a PAN gets written: separators, groupings, Unicode digits and spaces."""

from __future__ import annotations

import json
import random
from collections.abc import Callable

from tests.redaction.adversarial_check import luhn_ok

# (brand, prefixes, lengths) as the issue lists them.
BRANDS: tuple[tuple[str, tuple[str, ...], tuple[int, ...]], ...] = (
    ("visa", ("4",), (13, 16, 19)),
    ("mastercard", ("51", "52", "53", "54", "55"), (16,)),
    ("mastercard2", ("2221", "2223", "2300", "2499", "2571", "2699", "2720"), (16,)),
    ("amex", ("34", "37"), (15,)),
    ("discover", ("6011", "644", "645", "646", "647", "648", "649", "65"), (16, 19)),
    ("jcb", ("3528", "3530", "3566", "3589"), (16, 19)),
    ("diners", ("300", "301", "302", "303", "304", "305", "36", "38", "39"), (14, 16)),
    ("unionpay", ("62",), (16, 17, 18, 19)),
    ("maestro", ("50", "56", "57", "58", "59", "60", "63", "67", "69"), (12, 13, 15, 16, 18, 19)),
)


def _check_digit(body: str) -> str:
    for digit in "0123456789":
        if luhn_ok(body + digit):
            return digit
    raise AssertionError("unreachable: one check digit always fits")


def make_pan(rng: random.Random, prefix: str, length: int, *, valid: bool = True) -> str:
    body = prefix + "".join(rng.choice("0123456789") for _ in range(length - len(prefix) - 1))
    check = _check_digit(body)
    if not valid:
        check = str((int(check) + rng.randint(1, 9)) % 10)
    return body + check


def standard_groups(length: int) -> tuple[int, ...]:
    return {
        12: (4, 4, 4),
        13: (4, 3, 3, 3),
        14: (4, 6, 4),
        15: (4, 6, 5),
        17: (4, 4, 4, 5),
        18: (4, 4, 4, 6),
        19: (4, 4, 4, 4, 3),
    }.get(length, (4,) * (length // 4))


def irregular_groups(rng: random.Random, length: int) -> tuple[int, ...]:
    sizes: list[int] = []
    while sum(sizes) < length:
        sizes.append(min(rng.randint(1, 6), length - sum(sizes)))
    return tuple(sizes)


def split(digits: str, sizes: tuple[int, ...]) -> list[str]:
    parts, at = [], 0
    for size in sizes:
        parts.append(digits[at : at + size])
        at += size
    return parts


def to_script(digits: str, zero: int) -> str:
    """Digits in another script: 0xFF10 full-width, 0x660 Arabic-Indic, 0x966 Devanagari..."""
    return "".join(chr(zero + int(d)) if d.isdigit() else d for d in digits)


FULLWIDTH, ARABIC, PERSIAN, DEVANAGARI, BENGALI, THAI, MATH_BOLD = (
    0xFF10,
    0x660,
    0x6F0,
    0x966,
    0x9E6,
    0xE50,
    0x1D7CE,
)

Formatter = Callable[[str, random.Random], str]


def _joined(sep: str, irregular: bool = False) -> Formatter:
    def fmt(pan: str, rng: random.Random) -> str:
        sizes = irregular_groups(rng, len(pan)) if irregular else standard_groups(len(pan))
        return sep.join(split(pan, sizes))

    return fmt


def _scripted(zero: int, sep: str = " ") -> Formatter:
    return lambda pan, rng: to_script(_joined(sep)(pan, rng), zero)


def _mixed_scripts(pan: str, rng: random.Random) -> str:
    zeros = (0x30, FULLWIDTH, ARABIC, DEVANAGARI)
    parts = split(pan, standard_groups(len(pan)))
    return " ".join(to_script(part, zeros[i % len(zeros)]) for i, part in enumerate(parts))


def _json_escaped(sep: str) -> Formatter:
    """The group separator as it appears inside a JSON string pasted into the ticket."""
    return lambda pan, rng: json.dumps(_joined(sep)(pan, rng))[1:-1]


def _html_tags(pan: str, rng: random.Random) -> str:
    return "".join(f"<span>{p}</span>" for p in split(pan, standard_groups(len(pan))))


def _per_digit(pan: str, rng: random.Random) -> str:
    return " ".join(pan)


def _pairs(pan: str, rng: random.Random) -> str:
    return "-".join(pan[i : i + 2] for i in range(0, len(pan), 2))


FORMATS: dict[str, Formatter] = {
    "plain": lambda pan, rng: pan,
    "spaces": _joined(" "),
    "dashes": _joined("-"),
    "dots": _joined("."),
    "slashes": _joined("/"),
    "tabs": _joined("\t"),
    "nbsp": _joined("\u00a0"),
    "thin": _joined("\u2009"),
    "narrow-nbsp": _joined("\u202f"),
    "ideographic": _joined("\u3000"),
    "figure-space": _joined("\u2007"),
    "en-space": _joined("\u2002"),
    "em-space": _joined("\u2003"),
    "hair-space": _joined("\u200a"),
    "math-space": _joined("\u205f"),
    "ogham": _joined("\u1680"),
    "zwsp": _joined("\u200b"),
    "soft-hyphen": _joined("\u00ad"),
    "word-joiner": _joined("\u2060"),
    "en-dash": _joined("\u2013"),
    "em-dash": _joined(" \u2014 "),
    "minus-sign": _joined("\u2212"),
    "underscore": _joined("_"),
    "newline": _joined("\n"),
    "crlf": _joined("\r\n"),
    "space-dash-space": _joined(" - "),
    "double-space": _joined("  "),
    "line-separator": _joined("\u2028"),
    "irregular-spaces": _joined(" ", irregular=True),
    "irregular-dashes": _joined("-", irregular=True),
    "irregular-newlines": _joined("\n", irregular=True),
    "per-digit": _per_digit,
    "pairs": _pairs,
    "fullwidth": _scripted(FULLWIDTH),
    "fullwidth-ideo": _scripted(FULLWIDTH, "\u3000"),
    "fullwidth-plain": _scripted(FULLWIDTH, ""),
    "arabic-indic": _scripted(ARABIC),
    "persian": _scripted(PERSIAN, "-"),
    "devanagari": _scripted(DEVANAGARI),
    "bengali": _scripted(BENGALI),
    "thai": _scripted(THAI, ""),
    "math-bold": _scripted(MATH_BOLD),
    "mixed-scripts": _mixed_scripts,
    "json-nbsp": _json_escaped("\u00a0"),
    "json-newline": _json_escaped("\n"),
    "json-thin": _json_escaped("\u2009"),
    "html-nbsp": _joined("&nbsp;"),
    "html-numeric": _joined("&#160;"),
    "html-hex": _joined("&#x2009;"),
    "html-tags": _html_tags,
    "html-br": _joined("<br>"),
    "url-encoded": _joined("%20"),
    "url-plus": _joined("+"),
}
