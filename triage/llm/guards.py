"""Checks on model-written text (slot values, rationale) before it can reach a reply.

A model steered by a malicious ticket may try to smuggle a link, a card number or an
instruction into a reply; these pure checks let the response schema reject all three.
"""

from __future__ import annotations

import re

from triage.redaction import engine as redaction

_URL = re.compile(
    r"(?:\b[a-z][a-z0-9+.-]*://|\bwww\.|"
    # Bare domains, but not the domain part of an e-mail address (user_email is a real slot).
    r"(?<![@\w.-])(?:[a-z0-9-]+\.)+(?:com|net|org|io|co|info|biz|app|dev|xyz|ru|cn|de|fr|es|"
    r"it|nl|uk|eu|me|ly|link|click|top|site|online|shop|store|tk|gl|gd|to)\b(?!\.\w))",
    re.IGNORECASE,
)
# A run of 13-19 digits, optionally split by spaces or dashes: the shape of a card number,
# Luhn-valid or not. Longer references such as 23-digit ARNs are a different shape.
_DIGIT_RUN = re.compile(r"(?<![\d])\d(?:[ -]?\d)+(?![\d])")
_INSTRUCTION = re.compile(
    r"\b(?:ignore|disregard|forget|override)\b.{0,40}\b(?:instructions?|rules|prompt|above|"
    r"previous|prior)\b"
    r"|\b(?:system|assistant|developer)\s*:"
    r"|\byou are now\b|\bact as\b|\bnew instructions?\b|\breveal\b"
    r"|\b(?:click|visit|log ?in|sign ?in|go to|open the link|call us|send us)\b"
    r"|\b(?:password|passcode|cvv|cvc|pin code|full card number)\b"
    r"|<\s*/?\s*(?:script|ticket|system)|<!--|-->|```|\{\{|\{%|<\|",
    re.IGNORECASE | re.DOTALL,
)


def has_url(value: str) -> bool:
    return bool(_URL.search(value))


def has_card_like_number(value: str) -> bool:
    for match in _DIGIT_RUN.finditer(value):
        digits = sum(ch.isdigit() for ch in match.group())
        if 13 <= digits <= 19:
            return True
    return redaction.contains_pan(value)


def has_instruction(value: str) -> bool:
    return bool(_INSTRUCTION.search(value))


# Why a model-written value may not be used: a reason code and a phrase that never echoes it.
PROBLEMS = {
    "card": "holds a card-like number",
    "link": "holds a link",
    "instruction": "holds an instruction",
    "control": "holds control characters or line breaks",
}


def problem_code(value: str) -> str | None:
    """The first PROBLEMS key that applies to a model-written value, or None."""
    if has_card_like_number(value):
        return "card"
    if has_url(value):
        return "link"
    if has_instruction(value):
        return "instruction"
    if any(ord(ch) < 32 and ch not in "\t" for ch in value):
        return "control"
    return None


def problem_with(value: str) -> str | None:
    """Why a model-written value may not be used, or None; never echoes the value itself."""
    code = problem_code(value)
    return PROBLEMS[code] if code else None
