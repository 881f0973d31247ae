"""Email addresses, phone numbers and IBANs."""

from __future__ import annotations

import re

from triage.redaction.base import EMAIL, IBAN, PHONE, Finding
from triage.redaction.normalize import View

_EMAIL = re.compile(
    r"(?<![\w.%+'-])[\w.%+'-]+?(?:@|%40|=40)[^\W_](?:[\w-]*[^\W_])?(?:\.[^\W_](?:[\w-]*[^\W_])?)*\.[^\W\d_]{2,}"
)
# "+49 30 ..." or the dialled form "0049 30 ..." / "00 44 20 ...".
_PHONE_INTL = re.compile(
    r"(?<![\w+])(?:\+|(?<![0-9][ .\-])00 ?(?=[1-9][0-9]{0,2}[ .\-]))[1-9][0-9]{0,2}"
    r"(?:[ .\-]?\(?[0-9]{1,5}\)?){2,6}(?![0-9])"
)
_PHONE_NANP = re.compile(
    r"(?<![\w./-])(?:1[-. ])?(?:\([2-9][0-9]{2}\)\s?|[2-9][0-9]{2}(?P<s>[-. ]))[2-9][0-9]{2}"
    r"(?(s)(?P=s)|[-. ])[0-9]{4}(?![\w/-]|\.[0-9])"
)
_PHONE_LABELLED = re.compile(
    r"(?i)(?<![a-z])(?:phone|tel(?:ephone|[eé]fono|efon)?|mobile?|mobil|cell|whats\s?app|handy"
    r"|t[ée]l[ée]phone|portable|m[óo]vil|call\s+(?:me|us)\s+(?:at|on))\b"
    r"[\s.:#()-]{0,6}(?:(?:number|no\.?|nr\.?|n[úu]m(?:ero)?)[\s.:#-]{0,4})?"
    r"(?P<v>\+?\(?[0-9][0-9 ()./\-]{5,20}[0-9])"
)
# Unlabelled digit groups after these words are identifiers, not phone numbers.
_ID_WORDS = re.compile(
    r"(?i)(?:order|ticket|case|invoice|ref|reference|merchant|mid|account|acct|transaction"
    r"|txn|arn|id|#|no\.|nr\.|batch|payout|dispute)[\s:#.-]*$"
)
# Where an IBAN may begin (country, optional space, check digits), then its body: groups of
# alphanumerics that may wrap onto a new (quoted) line. Boundaries are checked in code, which
# is far cheaper than lookbehind alternatives tried at every position.
_IBAN_START = re.compile(r"[A-Za-z]{2}( ?)[0-9]{2}")
_IBAN_BODY = re.compile(r"(?:(?:[ \-]{1,2}|\r?\n(?:[ \t]*>)*[ \t]*)?[A-Za-z0-9]){11,32}")
_IBAN_LENGTHS = {
    "AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22, "BH": 22,
    "BR": 29, "BY": 28, "CH": 21, "CR": 22, "CY": 28, "CZ": 24, "DE": 22, "DK": 18, "DO": 28,
    "EE": 20, "EG": 29, "ES": 24, "FI": 18, "FO": 18, "FR": 27, "GB": 22, "GE": 22, "GI": 23,
    "GL": 18, "GR": 27, "GT": 28, "HR": 21, "HU": 28, "IE": 22, "IL": 23, "IQ": 23, "IS": 26,
    "IT": 27, "JO": 30, "KW": 30, "KZ": 20, "LB": 28, "LC": 32, "LI": 21, "LT": 20, "LU": 20,
    "LV": 21, "MC": 27, "MD": 24, "ME": 22, "MK": 19, "MR": 27, "MT": 31, "MU": 30, "NL": 18,
    "NO": 15, "PK": 24, "PL": 28, "PS": 29, "PT": 25, "QA": 29, "RO": 24, "RS": 22, "SA": 24,
    "SC": 31, "SE": 24, "SI": 19, "SK": 24, "SM": 27, "ST": 25, "SV": 28, "TL": 23, "TN": 24,
    "TR": 26, "UA": 29, "VA": 22, "VG": 24, "XK": 20,
}  # fmt: skip


def iban_ok(compact: str) -> bool:
    """Country length and the ISO 13616 mod-97 checksum."""
    compact = compact.upper()
    if _IBAN_LENGTHS.get(compact[:2]) != len(compact) or not compact.isalnum():
        return False
    rearranged = compact[4:] + compact[:4]
    return int("".join(str(int(c, 36)) for c in rearranged)) % 97 == 1


def _iban_end(candidate: str) -> int | None:
    """Offset in ``candidate`` where the IBAN ends, if its country-length prefix validates."""
    length = _IBAN_LENGTHS.get(candidate[:2].upper())
    if length is None:
        return None
    seen = 0
    for offset, char in enumerate(candidate):
        seen += char.isalnum()
        if seen == length:
            compact = "".join(c for c in candidate[: offset + 1] if c.isalnum())
            return offset + 1 if iban_ok(compact) else None
    return None


def _iban_may_start(text: str, match: re.Match[str]) -> bool:
    """Not inside a word, except glued to "IBAN" or, in capitals, to a lower-case word."""
    start = match.start()
    before = text[start - 1] if start else " "
    country = match.group()[:2]
    if match.group(1):
        return country.isupper() and not (before.isascii() and before.isalnum())
    if not (before.isascii() and before.isalnum()):
        return True
    return text[max(0, start - 4) : start].lower() == "iban" or (
        before.islower() and country.isupper()
    )


class IbanRecognizer:
    name = "iban"
    entities = (IBAN,)

    def find(self, view: View) -> list[Finding]:
        found: list[Finding] = []
        if view.digits < 4:
            return found
        text = view.text
        for match in _IBAN_START.finditer(text):
            if match.group()[:2].upper() not in _IBAN_LENGTHS or not _iban_may_start(text, match):
                continue
            body = _IBAN_BODY.match(text, match.end())
            if body is None:
                continue
            end = _iban_end(text[match.start() : body.end()])
            if end is not None:
                found.append(Finding(IBAN, match.start(), match.start() + end))
        return found


class EmailRecognizer:
    name = "email"
    entities = (EMAIL,)

    def find(self, view: View) -> list[Finding]:
        text = view.text
        if "@" not in text and "%40" not in text and "=40" not in text:
            return []
        return [Finding(EMAIL, m.start(), m.end()) for m in _EMAIL.finditer(view.text)]


def _digits(text: str) -> int:
    return sum(c.isdigit() for c in text)


class PhoneRecognizer:
    name = "phone"
    entities = (PHONE,)

    def find(self, view: View) -> list[Finding]:
        text = view.text
        if view.digits < 7:
            return []
        found = [
            Finding(PHONE, m.start("v"), m.end("v"))
            for m in _PHONE_LABELLED.finditer(text)
            if 7 <= _digits(m.group("v")) <= 15
        ]
        for regex in (_PHONE_INTL, _PHONE_NANP):
            for match in regex.finditer(text):
                if 8 <= _digits(match.group()) <= 15 and not _ID_WORDS.search(
                    text[max(0, match.start() - 24) : match.start()]
                ):
                    found.append(Finding(PHONE, match.start(), match.end()))
        return found
