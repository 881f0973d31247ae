"""CARD_CONTEXT's first-letter lookahead only speeds it up: same matches as the bare alternation."""

from __future__ import annotations

import re

from tests.redaction.corpus import NEGATIVES, POSITIVES
from triage.redaction.cards import CARD_CONTEXT, CARD_WORDS, _first_letters

BARE = re.compile("(?i)" + "|".join(CARD_WORDS))

MIXED = (
    "MASTERCARD ending 4444, Master Card, mastercard; KARTE abgelehnt, tarjeta de crédito",
    "the pan\u212a? \u212aarte and \u017fome CVV/cvc in a cb, bin 411111 and a ccn field",
    "Kreditkarte, Kartı, карта, КАРТА, クレジットカード, 信用卡, بطاقة, कार्ड, כרטיס, ΚΆΡΤΑ",
    "paNdora boxes, capability, discovered, amexco, union pay and UnionPay, Thẻ tín dụng",
)


def test_lookahead_admits_exactly_the_first_letters_of_the_words() -> None:
    letters = _first_letters(CARD_WORDS)
    lookahead = re.compile(f"(?i)[{letters}]")
    any_letter = re.compile("(?i)(?:" + "|".join(letters) + ")")
    for code in range(0x30000):
        char = chr(code)
        assert bool(lookahead.fullmatch(char)) == bool(any_letter.fullmatch(char)), hex(code)


def test_same_matches_as_the_bare_alternation() -> None:
    texts = [case.text for case in POSITIVES] + list(NEGATIVES) + list(MIXED)
    for text in texts:
        expected = [(m.start(), m.end()) for m in BARE.finditer(text)]
        assert [(m.start(), m.end()) for m in CARD_CONTEXT.finditer(text)] == expected
    assert any(BARE.search(text) for text in MIXED)
