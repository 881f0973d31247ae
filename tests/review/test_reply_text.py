"""What a draft reply is made of, without a database: the ticket's language, slot values found
in its text, the template that fits it best, and the [[markers]] of slots left to fill."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from triage.review import language, replies, slots
from triage.routing import template_fit, templates

LABELS = Path(__file__).resolve().parents[2] / "labels"


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Hola, no hemos recibido la liquidación del viernes y necesitamos pagar nóminas.", "es"),
        ("Guten Tag, unsere Auszahlung vom Dienstag ist immer noch nicht angekommen.", "de"),
        ("Bonjour, le virement de la semaine dernière n'est toujours pas arrivé.", "fr"),
        ("Hi team, our settlement from Friday has not reached the bank account yet.", "en"),
        ("Goedemiddag, de uitbetaling van vorige week is nog steeds niet aangekomen.", "nl"),
    ],
)
def test_detects_the_tickets_language(text: str, code: str) -> None:
    assert language.detect(text) == code


def test_too_little_text_has_no_language() -> None:
    assert language.detect("ok 123 ??") is None
    assert language.name(None) == "unknown" and language.name("es") == "Spanish"


def test_slots_found_in_an_english_ticket() -> None:
    text = (
        "Hi, settlement batch B-2231 of EUR 1,250.00 expected on 2026-03-14 never arrived.\n\n"
        "Kind regards,\nMaria Lopez"
    )
    assert slots.extract(text) == {
        "batch_id": "B-2231",
        "amount": "1,250.00",
        "currency": "EUR",
        "payout_date": "2026-03-14",
        "merchant_name": "Maria Lopez",
    }


def test_slots_found_in_spanish_and_german_tickets() -> None:
    spanish = (
        "No ha llegado el lote LQ-88213 por 3.410,75 € del 14 de marzo.\nSaludos,\nPanadería Sol"
    )
    assert slots.extract(spanish) == {
        "batch_id": "LQ-88213",
        "amount": "3.410,75",
        "currency": "EUR",
        "payout_date": "14 de marzo",
        "merchant_name": "Panadería Sol",
    }
    german = (
        "Die Auszahlung po_9f8e7d6c über 980,00 EUR vom 12.03.2026 fehlt.\nViele Grüße\nBäckerei"
    )
    found = slots.extract(german)
    assert found["payout_id"] == "po_9f8e7d6c" and found["payout_date"] == "12.03.2026"
    assert found["merchant_name"] == "Bäckerei"


def test_numbers_that_are_not_ids_and_redacted_values_are_not_used() -> None:
    text = "The settlement of EUR 1,250.00 for [IBAN] 2024 is late; payout [PAN ...1111] 99887766"
    found = slots.extract(text)
    assert "batch_id" not in found and "payout_id" not in found
    assert slots.extract("Thanks,\n+49 30 1234 5678") == {}


@given(st.text(alphabet="abc 0123456789-_.,€$EUR\n[]", max_size=400))
def test_extraction_never_fails_and_only_returns_declared_kinds(text: str) -> None:
    known = {"amount", "currency", "payout_date", "merchant_name", "payout_id", *slots.KEYWORDS}
    assert set(slots.extract(text)) <= known


def test_unfilled_required_slots_render_as_markers_in_every_language() -> None:
    tset = templates.load_template_set(LABELS)
    for code in ("en", "de", "es", "fr"):
        body = tset.render("settlement_delay_general", {"amount": "12.00"}, "ZD-1", code)
        assert replies.unfilled(body) == ["batch_id", "payout_date"], code
        assert "to be confirmed" not in body
    filled = tset.render(
        "settlement_delay_general",
        {"amount": "12.00", "batch_id": "B-1", "payout_date": "2026-03-14"},
        "ZD-1",
        "es",
    )
    assert replies.unfilled(filled) == [] and filled.startswith("Hola:")


def test_a_missing_translation_falls_back_to_english(tmp_path: Path) -> None:
    (tmp_path / "templates" / "de").mkdir(parents=True)
    (tmp_path / "templates" / "t.j2").write_text("Hello {{ ticket_number }}")
    (tmp_path / "templates" / "u.j2").write_text("Hello {{ ticket_number }}")
    (tmp_path / "templates" / "de" / "u.j2").write_text("Hallo {{ ticket_number }}")
    (tmp_path / "templates" / "index.yaml").write_text(
        "templates:\n  - {id: t, category: c, title: T, file: t.j2}\n"
        "  - {id: u, category: c, title: U, file: u.j2}\n"
    )
    tset = templates.load_template_set(tmp_path)
    assert tset.templates["t"].languages == ("en",)
    assert tset.render("t", {}, "1", "de") == "Hello 1"
    assert tset.render("u", {}, "1", "de") == "Hallo 1"
    assert templates.language_of(tset.templates["t"], "de") == "en"


def test_a_translation_reading_an_undeclared_variable_is_refused(tmp_path: Path) -> None:
    (tmp_path / "templates" / "fr").mkdir(parents=True)
    (tmp_path / "templates" / "t.j2").write_text("Hello {{ ticket_number }}")
    (tmp_path / "templates" / "fr" / "t.j2").write_text("Bonjour {{ secret }}")
    (tmp_path / "templates" / "index.yaml").write_text(
        "templates:\n  - {id: t, category: c, title: T, file: t.j2}\n"
    )
    with pytest.raises(templates.TemplateConfigError, match="secret"):
        templates.load_template_set(tmp_path)


PAYOUT, WEBHOOK = "payout_failure", "webhook_failure"


@pytest.mark.parametrize(
    ("category", "text", "best"),
    [
        (PAYOUT, "Our bank returned the payout, the account was closed", "returned_by_bank"),
        (PAYOUT, "Payout failed: invalid IBAN, holder name wrong", "invalid_bank_details"),
        (PAYOUT, "Nuestro banco ha devuelto el pago, la cuenta está cerrada", "returned_by_bank"),
        (WEBHOOK, "Signature verification fails with the signing secret", "signature"),
        (WEBHOOK, "We receive the same webhook event twice, duplicates", "duplicate_events"),
    ],
)
def test_templates_are_ranked_by_fit_to_the_ticket(category: str, text: str, best: str) -> None:
    tset = templates.load_template_set(LABELS)
    ranked = template_fit.rank(tset, category, text)
    assert ranked[0][0].id == f"{category}_{best}"
    assert len(ranked) == len(tset.for_category(category))
    assert ranked[0][1] > ranked[-1][1]


@pytest.mark.parametrize("month", slots.MONTH_NAMES)
def test_every_month_name_is_a_date_in_both_orders_and_any_case(month: str) -> None:
    for word in (month, month.upper(), month.capitalize()):
        assert slots.DATE.search(f"paid on 14 {word} 2026").group(0) == f"14 {word} 2026"
        assert slots.DATE.search(f"since {word} 3rd, 2026!").group(0) == f"{word} 3rd, 2026"
        # A month name inside a longer word, or cut short, is no date.
        assert slots.DATE.search(f"14 {word}x 2026") is None
        if month[:-1] not in slots.MONTH_NAMES:
            assert slots.DATE.search(f"{word[:-1]} 3") is None


def test_the_trie_alternation_matches_exactly_its_words() -> None:
    words = ["juni", "junio", "june", "mai", "mayo", "mars"]
    pattern = re.compile(rf"(?:{slots.trie_alternation(words)})")
    assert [
        w for w in [*words, "jun", "junios", "ma", "marzo", ""] if pattern.fullmatch(w)
    ] == words


def test_ids_follow_their_own_keywords_and_the_first_valid_one_wins() -> None:
    text = "Refund 2026, refund re_88812x; batch B-77123, transaction TX-55123, payout po_ab12cd34"
    assert slots.extract(text) == {
        "batch_id": "B-77123",
        "payout_id": "po_ab12cd34",
        "refund_id": "re_88812x",
        "transaction_id": "TX-55123",
    }


def test_language_needs_twelve_letters() -> None:
    # The model is sure of both; eleven letters are too few to go by.
    assert language.detect("Zahlung 12 fehl") is None
    assert language.detect("Zahlung 12 fehlt") == "de"
