"""IBANs (checksum), email addresses, phone numbers, labelled CVV and expiry values."""

from __future__ import annotations

import pytest

from triage.redaction import redact
from triage.redaction.contact import iban_ok

CASES = [
    ("iban spaced", "IBAN DE89 3704 0044 0532 0130 00 please", "IBAN [IBAN] please"),
    ("iban compact", "to GB82WEST12345698765432.", "to [IBAN]."),
    ("iban french", "FR14 2004 1010 0505 0001 3M02 606", "[IBAN]"),
    ("iban lower case", "iban: nl91abna0417164300", "iban: [IBAN]"),
    ("email", "write to jana.novak+billing@shop-example.cz now", "write to [EMAIL] now"),
    ("email unicode", "mail josé@correo.es", "mail [EMAIL]"),
    ("phone e164", "call +14155550134", "call [PHONE]"),
    ("phone intl spaced", "ring +44 20 7946 0958 today", "ring [PHONE] today"),
    ("phone nanp", "cell (415) 555-0134", "cell [PHONE]"),
    ("phone nanp dots", "reach me on 415.555.0134", "reach me on [PHONE]"),
    ("phone labelled", "Telefon: 030 1234567", "Telefon: [PHONE]"),
    ("phone spanish", "teléfono 612 345 678", "teléfono [PHONE]"),
    ("cvv", "CVV: 123", "CVV: [CVV]"),
    ("cvc glued", "cvc737", "cvc[CVV]"),
    ("cvv2 sentence", "the CVV2 is 4321", "the CVV2 is [CVV]"),
    ("security code", "security code 123", "security code [CVV]"),
    ("german cvv", "Kartenprüfnummer 123", "Kartenprüfnummer [CVV]"),
    ("spanish cvv", "código de seguridad: 123", "código de seguridad: [CVV]"),
    ("french cvv", "cryptogramme visuel 123", "cryptogramme visuel [CVV]"),
    ("amex cid", "Amex card, CID 4421", "Amex card, CID [CVV]"),
    ("expiry", "card expires 09/28", "card expires [EXPIRY]"),
    ("expiry glued", "card exp0928", "card exp[EXPIRY]"),
    ("expiry long year", "Visa, valid thru 09/2028", "Visa, valid thru [EXPIRY]"),
    ("expiry german", "Karte gültig bis 09/28", "Karte gültig bis [EXPIRY]"),
    ("expiry spanish", "tarjeta vence 09-28", "tarjeta vence [EXPIRY]"),
]


@pytest.mark.parametrize(("name", "text", "expected"), CASES, ids=[c[0] for c in CASES])
def test_redacted(name: str, text: str, expected: str) -> None:
    assert redact(text).text == expected


@pytest.mark.parametrize(
    "text",
    [
        "IBAN DE89 3704 0044 0532 0130 01 has a bad checksum",
        "order 123-456-789 shipped",
        "Order 415-555-0134 was refunded",
        "merchant id 415 555 0134",
        "cid: 1234 in the CRM",
        "the API expires 09/28 as announced",
        "settlement on 09/28 missed",
        "version 10.4.1 on 192.168.1.10",
        "code 123 from the terminal",
        "DE00 is not an iban",
    ],
)
def test_left_alone(text: str) -> None:
    assert redact(text).text == text


@pytest.mark.parametrize(
    ("iban", "valid"),
    [
        ("DE89370400440532013000", True),
        ("GB82WEST12345698765432", True),
        ("GB82WEST12345698765433", False),
        ("DE8937040044053201300", False),
        ("ZZ89370400440532013000", False),
    ],
)
def test_iban_checksum(iban: str, valid: bool) -> None:
    assert iban_ok(iban) is valid
