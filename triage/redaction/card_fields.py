"""CVV and expiry values introduced by a label ("CVV: 123", "exp 09/28", "gültig bis 09/28")."""

from __future__ import annotations

import re

from triage.redaction.base import CVV, EXPIRY, Finding
from triage.redaction.cards import CARD_CONTEXT
from triage.redaction.normalize import View

_DATE = r"(?:0?[1-9]|1[0-2])\s?[/.-]\s?(?:20)?[0-9]{2}|(?:0[1-9]|1[0-2])(?:20)?[0-9]{2}"
# Between a label and its value: punctuation, JSON quotes, and a filler word ("is", "le").
_GAP = r"[\s:=#.\-\"'/]{0,6}(?:(?:is|was|on|ist|es|est|le|number|no\.?)\s*[:=#\"']?\s*)?"
_EXPIRY = re.compile(
    r"(?i)(?<![a-z])(?:exp(?:iry|iration|ire[sd]?|ira(?:tion)?|\.)?(?:[\s_]*(?:date|dt))?"
    r"|valid\s+(?:thru|through|until|till)|good\s+thru|ablauf(?:datum)?|g[üu]ltig(?:\s+bis)?"
    r"|vence|vencimiento|caducidad|date\s+d'expiration|scadenza|validade|validit[àée]"
    r"|valable\s+jusqu'(?:au|à)|vervaldatum|срок(?:\s+действия)?|mm\s?/\s?(?:yy|jj|aa)(?:yy)?)"
    rf"{_GAP}(?P<v>{_DATE})(?![0-9])"
)
_CVV = re.compile(
    r"(?i)(?<![a-z])(?P<label>cvv2?|cvc2?|cav2|cvn|csc|cid|cvd|sec(?:urity)?\.?\s+code|card\s+code"
    r"|card\s+verification(?:\s+(?:code|value|number))?"
    r"|c[óo]digo\s+(?:de\s+seguridad|de\s+seguran[çc]a|cvv|cvc)|kartenpr[üu]fnummer"
    r"|pr[üu]f(?:nummer|ziffer|code)|sicherheitscode|cryptogramme(?:\s+visuel)?"
    r"|code\s+de\s+s[ée]curit[ée]|codice\s+(?:di\s+sicurezza|cvv|cvc)|beveiligingscode)"
    rf"{_GAP}(?P<v>[0-9]{{3,4}})(?![0-9])"
)
_CONTEXT_REACH = 120


def _card_context(text: str, start: int, end: int) -> bool:
    window = text[max(0, start - _CONTEXT_REACH) : end + _CONTEXT_REACH]
    return CARD_CONTEXT.search(window) is not None


class CardFieldRecognizer:
    name = "card_fields"
    entities = (CVV, EXPIRY)

    def find(self, view: View) -> list[Finding]:
        text = view.text
        if view.digits < 3:
            return []
        found = [
            Finding(CVV, m.start("v"), m.end("v"))
            for m in _CVV.finditer(text)
            # "cid" also means customer id: only a CVV when cards are being discussed.
            if m.group("label").lower() != "cid" or _card_context(text, m.start(), m.end())
        ]
        found.extend(
            Finding(EXPIRY, m.start("v"), m.end("v"))
            for m in _EXPIRY.finditer(text)
            if _card_context(text, m.start(), m.end())
        )
        return found
