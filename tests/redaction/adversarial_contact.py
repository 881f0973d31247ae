"""IBAN (checksums computed here), email and phone positives."""

from __future__ import annotations

import json
import random
import string
from collections.abc import Iterator

from tests.redaction.adversarial_check import Case

# Country -> BBAN shape: n digit, a upper letter, c digit or upper letter.
IBAN_SHAPES: dict[str, str] = {
    "DE": "n" * 18,
    "GB": "aaaa" + "n" * 14,
    "FR": "n" * 10 + "c" * 11 + "nn",
    "ES": "n" * 20,
    "IT": "a" + "n" * 10 + "c" * 12,
    "NL": "aaaa" + "n" * 10,
    "BE": "n" * 12,
    "CH": "n" * 5 + "c" * 12,
    "AT": "n" * 16,
    "PL": "n" * 24,
    "PT": "n" * 21,
    "IE": "aaaa" + "n" * 14,
    "SE": "n" * 20,
    "NO": "n" * 11,
    "DK": "n" * 14,
    "FI": "n" * 14,
    "LU": "nnn" + "c" * 13,
    "MT": "aaaa" + "n" * 5 + "c" * 18,
    "SA": "nn" + "c" * 18,
    "AE": "n" * 19,
    "TR": "n" * 6 + "c" * 16,
    "BR": "n" * 23 + "ac",
}
_ALPHABETS = {"n": string.digits, "a": string.ascii_uppercase, "c": string.digits + "ABCXYZ"}


def make_iban(rng: random.Random, country: str, *, valid: bool = True) -> str:
    bban = "".join(rng.choice(_ALPHABETS[kind]) for kind in IBAN_SHAPES[country])
    numeric = "".join(str(int(ch, 36)) for ch in bban + country + "00")
    check = 98 - int(numeric) % 97
    if not valid:
        check = (check + 1) % 97 or 2
    return f"{country}{check:02d}{bban}"


def _grouped(iban: str, sep: str = " ") -> str:
    return sep.join(iban[i : i + 4] for i in range(0, len(iban), 4))


IBAN_CONTEXTS: tuple[str, ...] = (
    "IBAN: {f}",
    "please refund to {f}",
    "Bankverbindung {f} (Sparkasse)",
    "IBAN{f}",
    '{{"iban": "{f}"}}',
    "mi cuenta es {f}",
    "RIB / IBAN : {f}",
    "> IBAN {f}",
    "| IBAN | {f} |",
    "payout account {f}, BIC DEUTDEFFXXX",
)


def iban_cases(rng: random.Random) -> Iterator[Case]:
    forms = (
        lambda i: i,
        _grouped,
        lambda i: _grouped(i).lower(),
        lambda i: _grouped(i, "\u00a0"),
        lambda i: _grouped(i, "-"),
    )
    for index, country in enumerate(IBAN_SHAPES):
        for round_ in range(2):
            iban = make_iban(rng, country)
            shown = forms[(index + round_) % len(forms)](iban)
            context = IBAN_CONTEXTS[(index * 2 + round_) % len(IBAN_CONTEXTS)]
            yield Case(f"iban {country}", context.format(f=shown), secrets=(iban[4:],))


EMAILS: tuple[str, ...] = (
    "jane.doe+billing@shop.example.co.uk",
    "Max.Mustermann@sub.mail.example.de",
    "x_y-zeta@example.io",
    "first.last+tag+two@a.b.c.example.com",
    "INFO@EXAMPLE-SHOP.COM",
    "soporte.cliente@tienda-ejemplo.es",
    "o'connor.finance@example.ie",
    "1234567890@numbers.example",
)
EMAIL_CONTEXTS: tuple[str, ...] = (
    "Contact: {e}",
    "<{e}>",
    "mailto:{e}",
    '{{"email":"{e}"}}',
    "On Mon, Ana <{e}> wrote:",
    "email={e}&plan=pro",
    "(reply to {e})",
    "> From: {e}",
)


def email_cases() -> Iterator[Case]:
    for index, email in enumerate(EMAILS):
        for round_ in range(2):
            context = EMAIL_CONTEXTS[(index + round_ * 3) % len(EMAIL_CONTEXTS)]
            yield Case(f"email {email}", context.format(e=email), secrets=(email,))


PHONES: tuple[str, ...] = (
    "+1 (415) 555-0132",
    "+44 20 7946 0958",
    "+49 30 12345678",
    "+33 1 42 68 53 00",
    "+34 912 345 678",
    "+81 3-1234-5678",
    "+91 98765 43210",
    "+55 11 91234-5678",
    "+61 2 9876 5432",
    "+7 495 123-45-67",
    "0044 20 7946 0958",
    "+1-415-555-0198",
    "+14155550176",
    "+49 (0)30 1234 5678",
    "+353 1 234 5678",
    "+31 20 123 4567",
    "+52 55 1234 5678",
    "+971 4 123 4567",
    "+86 10 1234 5678",
    "+39 06 1234 5678",
)
PHONE_CONTEXTS: tuple[str, ...] = (
    "call me at {p}",
    "Tel.: {p}",
    "Telefon {p}",
    "teléfono {p}",
    "tél : {p}",
    "phone={p}",
    '{{"phone": "{p}"}}',
    "WhatsApp {p} anytime",
)


def phone_cases() -> Iterator[Case]:
    for index, phone in enumerate(PHONES):
        digits = "".join(ch for ch in phone if ch.isdigit())
        national = digits[-9:] if len(digits) > 9 else digits
        context = PHONE_CONTEXTS[index % len(PHONE_CONTEXTS)]
        yield Case(f"phone {phone}", context.format(p=phone), phones=(national,))


def contact_cases(seed: int = 7) -> list[Case]:
    rng = random.Random(seed)
    return [*iban_cases(rng), iban_json_case(rng), *email_cases(), *phone_cases()]


def iban_json_case(rng: random.Random) -> Case:
    iban = make_iban(rng, "DE")
    return Case("iban json", json.dumps({"payout": {"iban": _grouped(iban)}}), secrets=(iban[4:],))
