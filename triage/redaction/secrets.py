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
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from triage.redaction.base import SECRET, Finding
from triage.redaction.normalize import View
from triage.redaction.passwords import COMPOUND, password_sentences, reads_as_password

# A value runs to whitespace, a quote or a delimiter; "&" ends it only before "name=" (URLs).
_VALUE_END = r"(?:[^\s\"',;&<>()\[\]{}]|&(?!\w+=))"


def _looks_secret(value: str) -> bool:
    """A word after "token:" or "password is" is a secret only if it is not plain prose."""
    has_digit = any(c.isdigit() for c in value)
    has_symbol = any(not c.isalnum() for c in value)
    mixed = any(c.isupper() for c in value[1:]) and any(c.islower() for c in value)
    return len(value) >= 6 and (has_digit or has_symbol or mixed)


def _token_like(value: str) -> bool:
    """After "Bearer": a credential, not the next word of a sentence ("Bearer authentication")."""
    return len(value) >= 20 or _looks_secret(value)


# Values people write instead of the secret ("password: ********", "token: [redacted]").
_MASKED = re.compile(
    r"[*•●·xX#._\-]+|[\[(<]?(?i:redacted|hidden|removed|masked|filtered|omitted)[\])>]?"
)


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
    # Tried only where a password label starts: four scans of the whole text cost too much.
    at_label: bool = False


def _p(
    name: str,
    regex: str,
    triggers: tuple[str, ...],
    check: Callable[[str], bool] | None = None,
    at_label: bool = False,
) -> _Pattern:
    return _Pattern(name, re.compile(regex), triggers, check, at_label)


_STRONG_PASSWORD_LABEL = (
    r"(?i:pass(?:word|wd|phrase|wort|code)|pwd|kennwort|contrase[ñn]a|mot\s+de\s+passe"
    r"|mot_de_passe|senha|пароль|parola|has[łl]o|wachtwoord|l[öo]senord|salasana|heslo"
    r"|jelszó|şifre|sifre|パスワード|密码|密碼|비밀번호|كلمة\s*(?:ال)?(?:مرور|السر)|סיסמה|पासवर्ड)"
)
_PASSWORD_LABEL = (
    rf"(?:{_STRONG_PASSWORD_LABEL}|(?i:pass|clave|(?<![a-z])pw|(?<![a-z])pin(?:\s*code)?)(?![a-z]))"
)
_KEY_LABEL = (
    r"(?i:(?:client|app|api|consumer|webhook|signing)?[_\- ]?secret(?:[_\- ]?key)?"
    r"|api[_\- ]?key|apikey|access[_\- ]?key|(?:access|auth|refresh|api|bearer)?[_\- ]?token"
    r"|private[_\- ]?key)"
)
# What people write between a password label and the password, in several languages.
_SAYS = (
    r"(?:(?i:is|was|ist|war|lautet|es|est|era|è|é|e|c'est|jest|är|on|er)(?![\w'])"
    r"|->|=>|→|-|–|—|:|=)"
)
_PASSWORD_TRIGGERS = (
    "pass", "pwd", "pw", "kennwort", "contrase", "clave", "pin", "senha", "пароль", "parola",
    "hasło", "haslo", "wachtwoord", "senord", "salasana", "heslo", "jelsz", "şifre", "sifre",
    "パスワード", "密码", "密碼", "비밀번호", "كلمة", "סיסמה", "पासवर्ड", "geheimzahl",
)  # fmt: skip
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
        r"(?i:aws)[\w\- ]{0,20}?(?i:secret|key)[\w\"']{0,20}(?:\s*[:=]|\s+(?i:is|was|=))\s*[\"']?"
        r"(?P<v>[A-Za-z0-9/+]{40})(?![A-Za-z0-9/+])",
        ("aws",),
    ),
    _p(
        # A secret access key pasted near its key id or the word AWS, without a label (the
        # console's credentials CSV): 40 base64 characters mixing cases and digits.
        "aws_secret_nearby",
        r"(?<![A-Za-z0-9/+])(?=[A-Za-z0-9/+]{0,39}[0-9])(?=[A-Za-z0-9/+]{0,39}[A-Z])"
        r"(?=[A-Za-z0-9/+]{0,39}[a-z])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])",
        ("aws", "akia", "asia"),
    ),
    _p(
        "github_token",
        r"(?:gh[pousr]_[A-Za-z0-9]{16,}|github_pat_[A-Za-z0-9_]{22,})",
        ("gh", "github_pat_"),
    ),
    _p("slack_token", r"(?:xox[abposre]|xapp)-[A-Za-z0-9-]{10,}", ("xox", "xapp-")),
    _p("slack_webhook", r"hooks\.slack\.com/(?:services|workflows)/[A-Za-z0-9/_-]+", ("hooks.",)),
    _p(
        "jwt",
        r"(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*",
        ("eyj",),
    ),
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
        r"(?i)(?<!-)-{3,}\s*BEGIN [A-Z0-9 ]*PRIVATE KEY[A-Z ]*-{3,}"
        r"(?s:.*?-{3,}\s*END [A-Z0-9 ]*PRIVATE KEY[A-Z ]*-{3,}|.*\Z)",
        ("begin",),
    ),
    _p("putty_key", r"PuTTY-User-Key-File-\d+:(?s:.*?Private-MAC:[^\n]*|.*\Z)", ("putty-",)),
    _p(
        "secret_element",
        r"(?i)<(?P<t>password|passwd|pwd|secret|api_?key|token|private_?key)>(?P<v>[^<]{1,400})</(?P=t)>",
        ("<pass", "<pwd", "<secret", "<api", "<token", "<private"),
    ),
    _p(
        "authorization_header",
        r"(?i)(?:proxy-)?authori[sz]ation[\"']?\s*[:=]\s*[\"']?"
        rf"(?:(?:bearer|basic|token|digest|apikey)\s+)?"
        rf"(?P<v>(?!(?:bearer|basic|token|digest|apikey)\s){_VALUE_END}+)",
        ("authori",),
    ),
    _p("bearer", r"(?i)\bbearer\s*[:=]?\s*(?P<v>[A-Za-z0-9._~+/=-]{8,})", ("bearer",), _token_like),
    _p("basic", r"\bBasic\s+(?P<v>[A-Za-z0-9+/]{6,}={0,2})", ("basic",), _basic_credentials),
    _p(
        "password_value",
        rf"{_PASSWORD_LABEL}[\"']?\s*[:=]\s*[\"']?(?P<v>{_VALUE_END}+)",
        _PASSWORD_TRIGGERS,
        at_label=True,
    ),
    _p(
        "password_quoted",
        rf"{_PASSWORD_LABEL}[\"']?\s*(?:[:=]|{_SAYS})?\s*(?P<q>[\"'])(?P<v>(?:(?!(?P=q))[^\n]){{1,200}})(?P=q)",
        _PASSWORD_TRIGGERS,
        at_label=True,
    ),
    _p(
        "password_bare",
        rf"(?<![\w/]){_STRONG_PASSWORD_LABEL}(?:\s*{_SAYS})?\s+(?P<v>{_VALUE_END}+)",
        _PASSWORD_TRIGGERS,
        reads_as_password,
        at_label=True,
    ),
    _p(
        "password_sentence",
        rf"{_PASSWORD_LABEL}\s+{_SAYS}\s*[\"']?(?P<v>{_VALUE_END}+)",
        _PASSWORD_TRIGGERS,
        reads_as_password,
        at_label=True,
    ),
    _p(
        # "the password for the dashboard is X", "contraseña del panel es X": a few words
        # between the label and the verb.
        "password_phrase",
        rf"{_STRONG_PASSWORD_LABEL}(?!{COMPOUND})(?:\s+[^\s:=]{{1,24}}){{1,6}}?(?:\s+{_SAYS}|\s*[:=])\s*[\"']?"
        rf"(?P<v>{_VALUE_END}+)",
        _PASSWORD_TRIGGERS,
        reads_as_password,
        at_label=True,
    ),
    _p(
        "labelled_key",
        rf"{_KEY_LABEL}[\"']?\s*[:=]\s*[\"']?(?P<v>{_VALUE_END}{{8,}})",
        ("secret", "key", "token"),
        _looks_secret,
    ),
    _p(
        "url_credentials",
        r"(?<![a-zA-Z0-9+.-])[a-zA-Z][a-zA-Z0-9+.-]*://[^\s/:@]+:(?P<v>[^\s/@]+)@",
        ("://",),
    ),
)


_TRIGGERS = frozenset(trigger for pattern in PATTERNS for trigger in pattern.triggers)


_LABEL_START = re.compile(_PASSWORD_LABEL)


def _matches(pattern: _Pattern, text: str, labels: list[int]) -> Iterator[re.Match[str]]:
    """Like ``finditer``, tried only at password labels: a label inside the previous match is
    part of its value ("pass=pass=pass=..."), and matching again there would be quadratic."""
    if not pattern.at_label:
        yield from pattern.regex.finditer(text)
        return
    reached = 0
    for position in labels:
        if position < reached:
            continue
        match = pattern.regex.match(text, position)
        if match is not None:
            reached = match.end()
            yield match


def _findings(pattern: _Pattern, text: str, labels: list[int]) -> list[Finding]:
    found = []
    for match in _matches(pattern, text, labels):
        group = "v" if "v" in pattern.regex.groupindex else 0
        value = match.group(group)
        if _MASKED.fullmatch(value) is None and (pattern.check is None or pattern.check(value)):
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
            labels = []
            if not present.isdisjoint(_PASSWORD_TRIGGERS):
                labels = [m.start() for m in _LABEL_START.finditer(view.text)]
            for pattern in PATTERNS:
                if not present.isdisjoint(pattern.triggers):
                    found.extend(_findings(pattern, view.text, labels))
            if not present.isdisjoint(_PASSWORD_TRIGGERS):
                found.extend(password_sentences(view.text))
        return found
