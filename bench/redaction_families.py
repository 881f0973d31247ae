"""Hostile and heavy texts for the redaction bench, each built to any size.

The first families are the ones reported in issue 14; the rest aim at each recognizer's
regexes (unbounded repeats after a trigger, labels glued together, long runs of one class).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from itertools import cycle, islice

from tests.redaction.adversarial_pans import make_pan


def _repeat(unit: str) -> Callable[[int, random.Random], str]:
    return lambda size, _rng: "".join(islice(cycle(unit), size))


def _ipv4_list(size: int, rng: random.Random) -> str:
    parts: list[str] = []
    length = 0
    while length < size:
        ip = ".".join(str(rng.randint(1, 254)) for _ in range(4))
        parts.append(ip + rng.choice((", ", " ", "\n", ",")))
        length += len(parts[-1])
    return "Blocked IPs: " + "".join(parts)[:size]


def _zero_width(size: int, rng: random.Random) -> str:
    return "".join(f"{rng.randint(0, 9)}\u200b" for _ in range(size // 2))


def _script_digits(zero: int) -> Callable[[int, random.Random], str]:
    def build(size: int, rng: random.Random) -> str:
        groups = ("".join(chr(zero + rng.randint(0, 9)) for _ in range(4)) for _ in cycle("x"))
        return " ".join(islice(groups, size // 5))

    return build


def _settlement_csv(size: int, rng: random.Random) -> str:
    """A payout report as merchants paste it: masked cards, ARNs, auth codes, amounts."""
    lines = ["settlement_date,merchant_id,terminal_id,batch,card,auth_code,arn,amount,currency,fee"]
    length = len(lines[0])
    while length < size:
        day = f"2026-11-{rng.randint(1, 28):02d}"
        card = f"{rng.choice(('411111', '555544', '378282'))}******{rng.randint(1000, 9999)}"
        arn = "".join(str(rng.randint(0, 9)) for _ in range(23))
        amount = f"{rng.randint(1, 90000) / 100:.2f}"
        line = (
            f"{day},673129686857,T{rng.randint(1000, 9999)},{rng.randint(100000, 999999)},"
            f"{card},{rng.randint(100000, 999999)},{arn},{amount},EUR,{rng.randint(1, 300) / 100}"
        )
        lines.append(line)
        length += len(line) + 1
    return "\n".join(lines)[:size]


def _card_list(size: int, rng: random.Random) -> str:
    parts: list[str] = []
    length = 0
    while length < size:
        pan = make_pan(rng, rng.choice(("4", "51", "6011")), 16)
        text = f"card {' '.join(pan[i : i + 4] for i in range(0, len(pan), 4))}, "
        parts.append(text)
        length += len(text)
    return "".join(parts)[:size]


def _group_list(size: int, rng: random.Random) -> str:
    return " ".join(f"{rng.randint(1000, 9999)}" for _ in range(size // 5))


def _prose(size: int, rng: random.Random) -> str:
    sentences = (
        "I forgot my password and the reset link expired. ",
        "Can you send a password reset link to the store manager? ",
        "Das Passwort für das Dashboard funktioniert nicht mehr. ",
        "No recuerdo la contraseña del panel, ¿me ayudan? ",
        "Le mot de passe est expiré depuis lundi. ",
        "Order 88812 was charged twice on 2026-11-24 for 45.90 EUR. ",
        "Please call me back at the shop, ask for the manager on duty. ",
    )
    return "".join(rng.choice(sentences) for _ in range(size // 40))[:size]


FAMILIES: dict[str, Callable[[int, random.Random], str]] = {
    "ones_spaced": _repeat("1 "),
    "digits11_spaced": _repeat("12345678901 "),
    "ipv4_list": _ipv4_list,
    "dotted_digits": _repeat("1.2.3.4.5."),
    "url_path_ones": _repeat("/1"),
    "zero_width_digits": _zero_width,
    "arabic_digits": _script_digits(0x0660),
    "devanagari_digits": _script_digits(0x0966),
    "settlement_csv": _settlement_csv,
    "card_list": _card_list,
    "groups_no_context": _group_list,
    "groups_card_context": lambda size, rng: "card " + _group_list(size - 5, rng),
    "new_separators": _repeat("card 4111*1111:1111~1111;4111=1111#1111`1111 "),
    "ten_spaces": _repeat("card 4111          "),
    "html_entities": _repeat("card &#52;&#49;&#x31;&#49; "),
    "rlo_digits": _repeat("card \u202e1111 1111 1111 1114\u202c "),
    "password_glued": _repeat("password:"),
    "password_is": _repeat("password is "),
    "password_words": _repeat("passwort ist das neue "),
    "password_sentence": _repeat("my password is right, it's "),
    "pin_labels": _repeat("pin pin code PIN-Nummer "),
    "password_connectors": _repeat("password to to to is a est es "),
    "token_glued": _repeat("token="),
    "url_scheme_word": lambda size, _rng: "a" * (size - 8) + "://x.com",
    "jwt_glued": _repeat("eyJ"),
    "dashes_begin": lambda size, _rng: "-" * (size - 6) + " begin",
    "phone_plus_digits": _repeat("+1 2345678901234567890123456789 "),
    "email_like": _repeat("a.b-c@d-e.f-g."),
    "iban_like": _repeat("DE12 3456 7890 "),
    "expiry_labels": _repeat("exp 01/25 cvv 123 "),
    "prose_mentions": _prose,
    "wrapped_short_keys": _repeat("key sk_live_a1a1a1a1a1a1a1a1a1a1\n"),
    "broken_key_prefixes": _repeat("sk_li\nve_ab12 "),
    "escaped_key_underscores": _repeat("sk&#95;live&#95;a1b2 "),
}


def build(name: str, size: int) -> str:
    """The family's text at ``size`` characters, the same on every run."""
    return FAMILIES[name](size, random.Random(14))[:size]
