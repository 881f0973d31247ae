"""The leak scanner itself: it must find what leaks (or the end-to-end test passes vacuously)
and must not cry wolf at what the service legitimately writes."""

from __future__ import annotations

import pytest

from tests.leak import corpus, scan
from tests.leak.corpus import IDEO, NBSP, ZWSP
from tests.redaction.adversarial_check import luhn_ok

PAN = "4539148803436467"
SECRET = "51NcQm8JtRv4XwY2pLk9aHs3dEf6GgZu7Vb1"
SENSITIVE = scan.Sensitive((PAN, "6282105974360182917"), (SECRET, "DE29370502991008436529"))
BRANDS = {
    "visa": ("4",),
    "mastercard": ("51", "52", "53", "54", "55", "22", "23", "24", "25", "26", "27"),
    "amex": ("34", "37"),
    "discover": ("6011", "644", "645", "646", "647", "648", "649", "65"),
    "jcb": ("35",),
    "diners": ("30", "36", "38"),
    "unionpay": ("62",),
    "maestro": ("50", "67"),
}


@pytest.mark.parametrize(
    "text",
    [
        f"card {PAN} declined",
        "card 4539 1488 0343 6467",
        "4539-1488-0343-6467",
        "４５３９ １４８８ ０３４３ ６４６７",
        "٤٥٣٩ ١٤٨٨ ٠٣٤٣ ٦٤٦٧",
        f"4539{NBSP}1488{NBSP}0343{NBSP}6467",
        f"4539{ZWSP}1488{ZWSP}0343{ZWSP}6467",
        f"4539{IDEO}1488{IDEO}0343{IDEO}6467",
        "> card 4539 1488\n> 0343 6467",
        '{"note": "card 4539\\n1488\\n0343\\n6467"}',
        '{"pan": "\\u0034539148803436467"}',
        "<td>4539&nbsp;1488&nbsp;0343&nbsp;6467</td>",
        "4539<br>1488<br>0343<br>6467",
        "https://shop.example/pay?pan=4539%201488%200343%206467",
        "ending 453914880343 (twelve digits survived)",
        "UnionPay 6282 1059 7436 0182 917",
    ],
)
def test_a_planted_card_number_is_found_however_written(text: str) -> None:
    assert scan.hits(text, SENSITIVE)


def test_an_unlisted_luhn_valid_card_is_found_too() -> None:
    assert scan.hits("refund to 5105 1051 0510 5100 please", SENSITIVE) == [
        "Luhn-valid run 5105105105105100"
    ]


@pytest.mark.parametrize(
    "text",
    [
        f"key sk_live_{SECRET}",
        f"KEY SK_LIVE_{SECRET.upper()}",
        "only part of it: 3dEf6GgZ",
        "IBAN DE29 3705 0299 1008 4365 29",
        "payout to 3705 0299 1008",
    ],
)
def test_a_secret_or_a_distinctive_piece_of_it_is_found(text: str) -> None:
    assert scan.hits(text, SENSITIVE)


@pytest.mark.parametrize(
    "text",
    [
        "card [PAN ...6467] declined, key [SECRET], payout to [IBAN]",
        "2026-11-24T10:15:42.123456+00:00 and 2026-11-24 10:15:42",
        "model 20261124-101510-3f9a1c2e and prompt classify_v1-9c2e4b7a",
        '{"confidence": 0.8123456789012345, "cost_usd": 9.3e-05, "latency_ms": 1234.567891}',
        "request 4f1c2a9e8b7d4c3a9e1f2b3c4d5e6f7a, uuid 123e4567-e89b-12d3-a456-426614174000",
        "sha256 9c56cc51b374c3ba189210d5b6d4bf57790d351c96c47c02190ecf1e430635ab",
        "Zendesk group 360012345601, ticket 71003, amount 1,234.56 EUR, MID 000123456789",
        "order 4000123412341235 failed",  # card-shaped but Luhn-invalid and not embedded
        "partial refund of 4500.00 on 2024-05-01, batch 88213, 15 000 transactions",
    ],
)
def test_what_the_service_legitimately_writes_is_no_hit(text: str) -> None:
    assert scan.hits(text, SENSITIVE) == []


def test_scan_reports_each_leaking_document_with_its_label() -> None:
    docs = [scan.Document("clean", "card [PAN ...6467]"), scan.Document("dirty", f"pan={PAN}")]
    (line,) = scan.scan(docs, SENSITIVE)
    assert line.startswith("dirty: ")


def test_the_corpus_is_forty_tickets_from_both_sources() -> None:
    tickets = corpus.all_tickets()
    assert len(tickets) >= 40 and len({t.ref for t in tickets}) == len(tickets)
    assert {t.source for t in tickets} == {"zendesk", "servicenow"}
    assert any(t.trigger for t in tickets) and any(t.comments for t in tickets)


def test_every_embedded_pan_is_a_valid_card_of_a_known_brand() -> None:
    pans = [pan for t in corpus.all_tickets() for pan in t.pans] + list(corpus.EXTRA_PANS)
    for pan in pans:
        assert luhn_ok(pan) and 12 <= len(pan) <= 19, pan
        assert not scan.degenerate(pan), f"{pan}: degenerate windows would go unchecked"
    for brand, prefixes in BRANDS.items():
        assert any(pan.startswith(prefixes) for pan in pans), f"no {brand} card in the corpus"
    assert {len(pan) for pan in pans} >= {12, 13, 14, 15, 16, 19}


def test_every_secret_kind_is_in_the_corpus() -> None:
    text = "\n".join(part for t in corpus.all_tickets() for part in t.texts)
    for marker in ("sk_live_", "rk_live_", "whsec_", "AKIA", "eyJ", "Bearer", "Basic", "xoxb-"):
        assert marker in text, marker
    for marker in ("password:", "passwd=", "Passwort", "contraseña", "PRIVATE KEY", "IBAN"):
        assert marker in text, marker


@pytest.mark.parametrize("ticket", corpus.all_tickets(), ids=lambda t: t.ref)
def test_the_scanner_finds_every_value_each_ticket_lists(ticket: corpus.LeakTicket) -> None:
    raw = "\n".join(ticket.texts)
    for pan in ticket.pans:
        assert scan.hits(raw, scan.Sensitive((pan,), ())), pan
    for secret in ticket.secrets:
        assert scan.hits(raw, scan.Sensitive((), (secret,))), secret
