"""API keys, tokens, passwords and private keys.

Each pattern carries literal triggers: the regex only runs when one of them occurs in the
lower-cased text, so a ticket without secrets costs a few substring checks.
When a pattern has a ``v`` group only that value is replaced, so "Authorization: Bearer"
stays readable.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable
from dataclasses import dataclass

from triage.redaction.base import SECRET, Finding
from triage.redaction.normalize import View

# A value runs to whitespace, a quote or a delimiter; "&" ends it only before "name=" (URLs).
_VALUE_END = r"(?:[^\s\"',;&<>()\[\]{}]|&(?!\w+=))"


def _looks_secret(value: str) -> bool:
    """A word after "token:" or "password is" is a secret only if it is not plain prose."""
    has_digit = any(c.isdigit() for c in value)
    has_symbol = any(not c.isalnum() for c in value)
    mixed = any(c.isupper() for c in value[1:]) and any(c.islower() for c in value)
    return len(value) >= 6 and (has_digit or has_symbol or mixed)


def _basic_credentials(value: str) -> bool:
    try:
        decoded = base64.b64decode(value + "=" * (-len(value) % 4), validate=True)
    except (binascii.Error, ValueError):
        return False
    return b":" in decoded


@dataclass(frozen=True, slots=True)
class _Pattern:
    name: str
    regex: re.Pattern[str]
    triggers: tuple[str, ...]
    check: Callable[[str], bool] | None = None


def _p(
    name: str, regex: str, triggers: tuple[str, ...], check: Callable[[str], bool] | None = None
) -> _Pattern:
    return _Pattern(name, re.compile(regex), triggers, check)


_PASSWORD_LABEL = (
    r"(?i:pass(?:word|wd|phrase|wort)?|pwd|kennwort|contrase[ñn]a|clave|mot\s+de\s+passe"
    r"|mot_de_passe|(?<![a-z])pin(?:\s*code)?)"
)
_KEY_LABEL = (
    r"(?i:(?:client|app|api|consumer|webhook|signing)?[_\- ]?secret(?:[_\- ]?key)?"
    r"|api[_\- ]?key|apikey|access[_\- ]?key|(?:access|auth|refresh|api|bearer)?[_\- ]?token"
    r"|private[_\- ]?key)"
)
PATTERNS: tuple[_Pattern, ...] = (
    _p("stripe_key", r"(?:sk|rk)_(?:live|test)_[0-9A-Za-z]{8,}", ("sk_", "rk_")),
    _p("stripe_webhook_secret", r"whsec_[0-9A-Za-z+/=]{8,}", ("whsec_",)),
    _p(
        "aws_access_key",
        r"(?<![A-Z0-9])(?:AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA|APKA)[A-Z0-9]{16}"
        r"(?![A-Z0-9])",
        ("akia", "asia", "abia", "acca", "agpa", "aida", "aroa", "aipa", "anpa", "anva", "apka"),
    ),
    _p(
        "aws_secret_key",
        r"(?i:aws)[\w\- ]{0,20}?(?i:secret|key)[\w\"']{0,20}\s*[:=]\s*[\"']?"
        r"(?P<v>[A-Za-z0-9/+]{40})(?![A-Za-z0-9/+])",
        ("aws",),
    ),
    _p("github_token", r"(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{22,})", ("gh",)),
    _p("slack_token", r"xox[abposre]-[A-Za-z0-9-]{10,}", ("xox",)),
    _p("slack_webhook", r"hooks\.slack\.com/(?:services|workflows)/[A-Za-z0-9/_-]+", ("hooks.",)),
    _p("jwt", r"eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*", ("eyj",)),
    _p("openai_key", r"sk-(?:proj-|svcacct-|ant-)?[A-Za-z0-9_-]{20,}", ("sk-",)),
    _p("google_api_key", r"AIza[0-9A-Za-z_-]{35}", ("aiza",)),
    _p("sendgrid_key", r"SG\.[\w-]{16,}\.[\w-]{16,}", ("sg.",)),
    _p("shopify_token", r"shp(?:at|ss|ca|pa)_[a-fA-F0-9]{32}", ("shp",)),
    _p("square_token", r"sq0(?:atp|csp)-[\w-]{20,}", ("sq0",)),
    _p("gitlab_token", r"glpat-[\w-]{20,}", ("glpat-",)),
    _p("npm_token", r"npm_[A-Za-z0-9]{36}", ("npm_",)),
    _p("braintree_token", r"access_token\$(?:production|sandbox)\$[\w$]{20,}", ("access_token$",)),
    _p(
        "private_key",
        r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY[A-Z ]*-----"
        r"(?s:.*?-----END [A-Z0-9 ]*PRIVATE KEY[A-Z ]*-----|.*\Z)",
        ("begin",),
    ),
    _p(
        "authorization_header",
        r"(?i)(?:proxy-)?authori[sz]ation[\"']?\s*[:=]\s*[\"']?"
        rf"(?:(?:bearer|basic|token|digest|apikey)\s+)?(?P<v>{_VALUE_END}+)",
        ("authori",),
    ),
    _p("bearer", r"(?i)\bbearer\s+(?P<v>[A-Za-z0-9._~+/=-]{8,})", ("bearer",)),
    _p("basic", r"\bBasic\s+(?P<v>[A-Za-z0-9+/]{6,}={0,2})", ("basic",), _basic_credentials),
    _p(
        "password_value",
        rf"{_PASSWORD_LABEL}[\"']?\s*[:=]\s*[\"']?(?P<v>{_VALUE_END}+)",
        ("pass", "pwd", "kennwort", "contrase", "clave", "pin"),
    ),
    _p(
        "password_quoted",
        rf"{_PASSWORD_LABEL}[\"']?\s*[:=]\s*(?P<q>[\"'])(?P<v>(?:(?!(?P=q))[^\n]){{1,200}})(?P=q)",
        ("pass", "pwd", "kennwort", "contrase", "clave", "pin"),
    ),
    _p(
        "password_sentence",
        rf"{_PASSWORD_LABEL}\s+(?i:is|was|ist|war|es|est|era)\s+[\"']?(?P<v>{_VALUE_END}+)",
        ("pass", "pwd", "kennwort", "contrase", "clave"),
        _looks_secret,
    ),
    _p(
        "labelled_key",
        rf"{_KEY_LABEL}[\"']?\s*[:=]\s*[\"']?(?P<v>{_VALUE_END}{{8,}})",
        ("secret", "key", "token"),
        _looks_secret,
    ),
    _p("url_credentials", r"[a-zA-Z][a-zA-Z0-9+.-]*://[^\s/:@]+:(?P<v>[^\s/@]+)@", ("://",)),
)


_TRIGGERS = frozenset(trigger for pattern in PATTERNS for trigger in pattern.triggers)


def _findings(pattern: _Pattern, text: str) -> list[Finding]:
    found = []
    for match in pattern.regex.finditer(text):
        group = "v" if "v" in pattern.regex.groupindex else 0
        if pattern.check is None or pattern.check(match.group(group)):
            found.append(Finding(SECRET, match.start(group), match.end(group)))
    return found


class SecretRecognizer:
    name = "secrets"
    entities = (SECRET,)

    def find(self, view: View) -> list[Finding]:
        lowered = view.text.lower()
        present = {trigger for trigger in _TRIGGERS if trigger in lowered}
        found: list[Finding] = []
        if present:
            for pattern in PATTERNS:
                if not present.isdisjoint(pattern.triggers):
                    found.extend(_findings(pattern, view.text))
        return found
