"""Slot values found in a ticket's (already redacted) text: amounts, dates, batch, payout and
other ids, and the name a merchant signs with.

Every pattern is bounded and has no nested repetition, so a pass is linear in the text; ids are
read only in a short window after a keyword. Values that redaction replaced ("[IBAN]") are never
used. What is found here only fills a draft; an analyst reads it before anything is sent.
"""

from __future__ import annotations

import re

MAX_TEXT = 20_000
WINDOW = 32

CURRENCIES = "EUR|USD|GBP|CHF|SEK|DKK|NOK|PLN|CZK|CAD|AUD"
SYMBOLS = {"€": "EUR", "$": "USD", "£": "GBP"}
NUMBER = r"\d{1,3}(?:[.,\u00a0 ']\d{3}){0,4}(?:[.,]\d{1,2})?"
AMOUNT_BEFORE = re.compile(rf"(?P<cur>{CURRENCIES}|[€$£])\s?(?P<num>{NUMBER})(?!\d)")
AMOUNT_AFTER = re.compile(rf"(?<![\d.,])(?P<num>{NUMBER})\s?(?P<cur>{CURRENCIES}|€|£)")

_MONTH_WORDS = (
    "january|february|march|april|may|june|july|august|september|october|november|december|"
    "januar|februar|märz|mai|juni|juli|oktober|dezember|"
    "enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|octubre|noviembre|diciembre|"
    "janvier|février|mars|avril|juin|juillet|août|septembre|octobre|novembre|décembre"
)
MONTH_NAMES = _MONTH_WORDS.split("|")


def trie_alternation(words: list[str]) -> str:
    """The same words as one regex alternation that shares their prefixes ("mar(?:ch|zo|s)" for
    march, marzo and mars), so a position is ruled out after a character, not a try per word.
    Each word here is followed by a word boundary or a space, so at most one of them can take
    part in a match and the order of the branches does not matter."""
    tree: dict[str, dict] = {}
    for word in words:
        node = tree
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}
    return _branches(tree)


def _branches(node: dict[str, dict]) -> str:
    ends = "" in node
    parts = [re.escape(char) + _branches(child) for char, child in node.items() if char]
    if not parts:
        return ""
    body = parts[0] if len(parts) == 1 else f"(?:{'|'.join(parts)})"
    if ends:
        return f"(?:{body})?"
    return body


MONTHS = trie_alternation(MONTH_NAMES)
DATE = re.compile(
    r"\b(?:\d{4}-\d{2}-\d{2}|\d{1,2}[./]\d{1,2}[./](?:\d{4}|\d{2})"
    rf"|\d{{1,2}}\.?\s(?:de\s)?(?:{MONTHS})(?:\s(?:de\s)?\d{{4}})?"
    rf"|(?:{MONTHS})\s\d{{1,2}}(?:st|nd|rd|th)?(?:,?\s\d{{4}})?)\b",
    re.IGNORECASE,
)

# Not a piece of a larger number ("1,250.00"): nothing word-like or decimal on either side.
ID_TOKEN = re.compile(r"(?<![\w.,])[A-Za-z]{0,8}[-_]?\d[A-Za-z0-9_-]{3,38}(?![\w]|[.,]\d)")
KEYWORDS = {
    "batch_id": r"batch|settlement|lote|liquidaci[oó]n|abrechnung|lot|remise",
    "payout_id": r"payout|auszahlung|pago|paiement|virement|versement",
    "dispute_id": r"dispute|chargeback|r[üu]ckbuchung|contracargo|litige|disputa",
    "refund_id": r"refund|erstattung|r[üu]ckerstattung|reembolso|devoluci[oó]n|remboursement",
    "invoice_id": r"invoice|rechnung|factura|facture",
    "transaction_id": r"transaction|transaktion|transacci[oó]n|zahlung",
}
# One pass finds every slot's keywords: a group per slot names which one matched. No word is
# another slot's keyword, so one pass finds exactly what a pass per slot would.
KEYWORD = re.compile(
    r"\b(?:" + "|".join(f"(?P<{slot}>{words})" for slot, words in KEYWORDS.items()) + r")\b",
    re.IGNORECASE,
)
PAYOUT_PREFIX = re.compile(r"\bpo_[A-Za-z0-9]{6,32}\b")

CLOSINGS = re.compile(
    r"(?:kind |best |warm )?regards|thanks(?: a lot)?|thank you|cheers|best|many thanks|"
    r"(?:un )?saludos?(?: cordiales)?|gracias|atentamente|"
    r"(?:viele |beste |freundliche )?gr[üu](?:ß|ss)e|mit freundlichen gr[üu](?:ß|ss)en|danke|"
    r"cordialement|merci(?: d'avance)?|bien à vous|bonne journée",
    re.IGNORECASE,
)
NAME_LINE = re.compile(r"[^\W\d_][\w&'.\- ]{1,58}[\w.]")


def extract(text: str) -> dict[str, str]:
    """Slot name -> value, for what the text states plainly."""
    text = text[:MAX_TEXT]
    found: dict[str, str] = {}
    found.update(_money(text))
    date = DATE.search(text)
    if date:
        found["payout_date"] = date.group(0)
    found.update(_ids(text))
    prefixed = PAYOUT_PREFIX.search(text)
    if prefixed:
        found["payout_id"] = prefixed.group(0)
    name = signature(text)
    if name:
        found["merchant_name"] = name
    return found


def _money(text: str) -> dict[str, str]:
    match = AMOUNT_BEFORE.search(text) or AMOUNT_AFTER.search(text)
    if match is None:
        return {}
    currency = SYMBOLS.get(match.group("cur"), match.group("cur")).upper()
    return {"amount": match.group("num").replace("\u00a0", " "), "currency": currency}


def _ids(text: str) -> dict[str, str]:
    """Each slot's id: the first one that follows one of its keywords, in KEYWORDS order."""
    ids: dict[str, str] = {}
    for match in KEYWORD.finditer(text):
        slot = match.lastgroup
        if slot is None or slot in ids:
            continue
        window = text[match.end() : match.end() + WINDOW]
        token = ID_TOKEN.search(window)
        if token and not _redacted(window[: token.start()]) and _looks_like_id(token.group(0)):
            ids[slot] = token.group(0).strip("-_")
    return {slot: ids[slot] for slot in KEYWORDS if slot in ids}


def _looks_like_id(token: str) -> bool:
    """Letters and digits, or a long run of digits: not a year, a day or a short amount."""
    if DATE.fullmatch(token):
        return False
    return len(token) >= 6 or any(c.isalpha() for c in token)


def _redacted(prefix: str) -> bool:
    return "[" in prefix or "\n" in prefix


def signature(text: str) -> str | None:
    """The name on the line after a closing ("Kind regards," / "Saludos,"), if it looks like
    a name: short, no digits, not something redaction replaced."""
    lines = [line.strip() for line in text.splitlines()[-12:]]
    lines = [line for line in lines if line]
    for n in range(len(lines) - 2, -1, -1):
        closing = lines[n].rstrip(",.!")
        if CLOSINGS.fullmatch(closing):
            candidate = lines[n + 1]
            if NAME_LINE.fullmatch(candidate) and len(candidate.split()) <= 6:
                return candidate
            return None
    return None
