"""Passwords and PINs given in a sentence: "my password is right, it's Bakery#Sunrise2024!",
"can you set his password to Kestrel-Harbor-77", "das neue Passwort lautet ...", "la
contraseña es ...", "le mot de passe est ...", "PIN is 4821".

After a password word, each connector ("is", "to", "it's", "ist", "es", "est", ":", ...) in
the rest of the clause is tried in turn, and the word right after it is a password only if it
reads like one: digits, symbols or inner capitals. "I forgot my password", "the password
reset link is in the e-mail" or "password is case-sensitive" hold no such word.

Work per label is bounded (a clause of ``_REACH`` characters, values of ``_LONGEST``), and a
label inside an earlier value is skipped, so a text costs time linear in its length.
"""

from __future__ import annotations

import re

from triage.redaction.base import SECRET, Finding

_REACH = 80
_LONGEST = 256
_WORD_CHAR = r"[^\W\d_]"
_LABEL = re.compile(
    rf"(?i)(?<!{_WORD_CHAR})(?:pass(?:word|wort|wd|phrase|code)|pwd|kennwort|contrase[ñn]a"
    r"|clave|mot\s+de\s+passe|pin(?:[\s-]?(?:code|nummer|number))?|code\s+pin|geheimzahl)"
    rf"(?!{_WORD_CHAR})"
)
# Ends the clause the connector must be in: a line break or a sentence stop before a space.
_CLAUSE_END = re.compile(r"\n|[.!?;](?:\s|$)")
_CONNECTOR = re.compile(
    rf"(?i)(?:(?<!{_WORD_CHAR})(?:is|was|to|it[’']s|it\s+is|now|ist|lautet|war|auf|es|era|sea"
    rf"|a|est|c[’']est|[ée]tait|sera|à)(?!{_WORD_CHAR}|[’'])|[:=]|->|→)"
)
# "the password is now X", "das Passwort ist jetzt X": one adverb may follow the connector.
_VALUE = re.compile(
    r"(?:\s{1,4}(?i:now|still|actually|jetzt|nun|noch|ahora|todav[íi]a|maintenant|d[ée]sormais)"
    r"(?![^\W\d_]))?"
    rf"\s{{0,8}}[\"'“”«»‘’]?(?P<v>(?:[^\s\"',;&<>()\[\]{{}}“”«»]|&(?!\w+=)){{1,{_LONGEST}}})"
)
# "password manager is 1Password", "password reset link is ...": the label names a thing.
COMPOUND = (
    r"[\s-]?(?i:manager|reset|policy|policies|field|link|page|change|rules|requirements"
    r"|strength|expiry|hint|vault|generator|richtlinie|feld|änderung)(?![^\W\d_])"
)
_COMPOUND = re.compile(COMPOUND)
_MASKED = re.compile(r"[*•●·xX#._\-]+|\[?(?i:redacted|hidden|removed|masked)\]?")
_PROSE = re.compile(rf"{_WORD_CHAR}[a-zà-ÿß]*(?:[-'’]{_WORD_CHAR}[a-zà-ÿß]*)*")


def reads_as_password(value: str, pin: bool = False) -> bool:
    """Digits, symbols or inner capitals, six characters or more; a PIN is 4-12 digits.

    Hyphenated words ("case-sensitive", "E-Mail") and URLs are prose, not passwords.
    """
    core = value.rstrip(".,!?:;")
    if pin and core.isdigit() and 4 <= len(core) <= 12:
        return True
    url = "://" in core or core.startswith(("//", "www."))
    if len(core) < 6 or _MASKED.fullmatch(core) or url:
        return False
    if _PROSE.fullmatch(core):
        return False
    has_digit = any(c.isdigit() for c in core)
    has_symbol = any(not c.isalnum() and c not in "-'’" for c in core)
    inner_capital = any(c.isupper() for c in core[1:]) and any(c.islower() for c in core)
    return has_digit or has_symbol or inner_capital


def _clause_end(text: str, start: int) -> int:
    end = _CLAUSE_END.search(text, start, start + _REACH)
    return end.start() if end else min(len(text), start + _REACH)


def _value_after(text: str, start: int, pin: bool) -> Finding | None:
    """The first password-like word after a connector in the clause from ``start``."""
    for connector in _CONNECTOR.finditer(text, start, _clause_end(text, start)):
        value = _VALUE.match(text, connector.end())
        if value is not None and reads_as_password(value.group("v"), pin):
            return Finding(SECRET, value.start("v"), value.end("v"))
    return None


def _values(text: str, label: re.Match[str]) -> list[Finding]:
    """The label's value, and a second one in the same sentence ("the old password was X
    and the new one is Y")."""
    if _COMPOUND.match(text, label.end()):
        return []
    pin = any(word in label.group().lower() for word in ("pin", "code", "geheimzahl"))
    first = _value_after(text, label.end(), pin)
    if first is None:
        return []
    second = _value_after(text, first.end, pin)
    return [first] if second is None else [first, second]


def password_sentences(text: str) -> list[Finding]:
    found: list[Finding] = []
    reached = 0
    for label in _LABEL.finditer(text):
        if label.start() >= reached:
            values = _values(text, label)
            found += values
            reached = values[-1].end if values else reached
    return found
