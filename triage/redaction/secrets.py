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
from bisect import bisect_left, bisect_right
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
    # A token that may be wrapped or broken up where it was pasted: see `_continued`.
    may_split: bool = False


def _p(
    name: str,
    regex: str,
    triggers: tuple[str, ...],
    check: Callable[[str], bool] | None = None,
    at_label: bool = False,
) -> _Pattern:
    return _Pattern(name, re.compile(regex), triggers, check, at_label, name in _MAY_SPLIT)


_MAY_SPLIT = frozenset(
    {
        *("stripe_key", "stripe_webhook_secret", "github_token", "slack_token", "jwt"),
        *("openai_key", "sendgrid_key", "square_token", "gitlab_token", "braintree_token"),
        *("bearer", "labelled_key", "aws_access_key_split", "token_split", "token_split_more"),
    }
)
# Where a pasted token gets broken: a mail client's line wrap (with quote markers) or
# quoted-printable soft break, markup from a code block, an invisible character (the view shows
# it as a space). What follows is more of the token only if it reads as random: letters and
# digits together, or a long mixed-case run; a word of the next sentence does not.
_BREAK = re.compile(
    r"(?: |=\r?\n|\r?\n(?:[ \t]*>)*[ \t]*|(?:</?[A-Za-z][^<>\n]{0,40}>)+)"
    r"(?P<c>[A-Za-z0-9_\-.+/=]{6,})"
)
_MAX_PIECES = 4
# Lengths of whole tokens by prefix: (length, fixed). A piece shorter than that takes what
# follows a break whatever it looks like; a fixed-length token only as much as completes it.
_LENGTHS: tuple[tuple[re.Pattern[str], int, bool], ...] = (
    (re.compile(r"(?:AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA|APKA)"), 20, True),
    (re.compile(r"gh[pousr]_"), 40, True),
    (re.compile(r"github_pat_"), 93, True),
    (re.compile(r"whsec_"), 38, True),
    (re.compile(r"[sr]k_(?:live|test)_"), 32, False),
)


def _length(token: str) -> tuple[int, bool] | None:
    for prefix, length, fixed in _LENGTHS:
        if prefix.match(token):
            return length, fixed
    return None


_DIGIT = re.compile(r"[0-9]")
_LETTER = re.compile(r"[A-Za-z]")
_UPPER = re.compile(r"[A-Z]")
_LOWER = re.compile(r"[a-z]")


def _random_chunk(chunk: str) -> bool:
    """Letters with digits, or case changing more than a brand name does ("WooCommerce")."""
    if _DIGIT.search(chunk) and _LETTER.search(chunk):
        return True
    if len(chunk) < 8:
        return False
    return len(_UPPER.findall(chunk, 1)) >= 2 and len(_LOWER.findall(chunk)) >= 2


def _continued(text: str, start: int, end: int) -> int:
    """Where a token found at ``start:end`` really ends, over the breaks inside it. A piece
    shorter than its kind's tokens takes what follows, random-looking or not
    ("ASIA6BIIH6 GDGLZYCCSJ"); a fixed-length one only as much as completes it."""
    expected = _length(text[start:end])
    taken = end - start
    for _ in range(_MAX_PIECES):
        match = _BREAK.match(text, end)
        if match is None or (expected is not None and expected[1] and taken >= expected[0]):
            break
        chunk = match.group("c")
        short = expected is not None and taken < expected[0]
        if not short and not _random_chunk(chunk):
            break
        if short and expected is not None and expected[1]:
            chunk = chunk[: expected[0] - taken]
        taken += len(chunk)
        end = match.start("c") + len(chunk)
    return end


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
        # A token broken up where it was pasted, before its pattern's minimum length: its
        # distinctive prefix and first part, then `_continued`.
        "token_split",
        r"(?<![A-Za-z0-9])(?:[sr]k_(?:live|test)_|whsec_|gh[pousr]_|github_pat_|xox[abposre]-"
        r"|glpat-|npm_|shp(?:at|ss|ca|pa)_|sq0(?:atp|csp)-)"
        r"[A-Za-z0-9_-]{0,40}(?= |=?\r?\n|<)",
        (
            *("sk_", "rk_", "whsec_", "ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_"),
            *("xox", "glpat-", "npm_", "shp", "sq0"),
        ),
    ),
    _p(
        "token_split_more",
        r"(?<![A-Za-z0-9])(?:AIza|sk-(?:proj-|svcacct-|ant-)?|eyJ)[A-Za-z0-9_-]{0,19}"
        r"(?= |=?\r?\n|<)",
        ("aiza", "sk-", "eyj"),
    ),
    _p(
        # A key id wrapped or broken up where it was pasted: its first part, then `_continued`.
        "aws_access_key_split",
        r"(?<![A-Z0-9])(?:AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA|APKA)[A-Z0-9]{0,15}"
        r"(?= |=?\r?\n|<)",
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
        # The header may be broken once where the token was pasted, and the signature may be
        # missing: the token was cut or wrapped there (`_continued`).
        r"(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{8,}"
        r"(?:(?: |=?\r?\n(?:[ \t]*>)*[ \t]*|(?:</?[A-Za-z][^<>\n]{0,40}>)+)[A-Za-z0-9_-]+)?"
        r"\.[A-Za-z0-9_-]{8,}(?:\.[A-Za-z0-9_-]*)?",
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
            start, end = match.span(group)
            if pattern.may_split:
                end = _continued(text, start, end)
            found.append(Finding(SECRET, start, end))
    return found


# Escaped characters a token may be written with ("sk&#95;live&#95;...", "sk%5Flive%5F...",
# "sk\\u005flive..."): the view decodes only digits, which keeps its offsets.
_ESCAPED = re.compile(
    r"&#(?:0*(?P<dec>[0-9]{1,7})|[xX]0*(?P<hex>[0-9A-Fa-f]{1,6}));?"
    r"|\\u(?P<json>[0-9A-Fa-f]{4})|%(?P<url>[0-9A-Fa-f]{2})"
)


def _escaped_char(match: re.Match[str]) -> str | None:
    if match.group("dec"):
        code = int(match.group("dec"))
    else:
        code = int(match.group("hex") or match.group("json") or match.group("url"), 16)
    return chr(code) if 0x21 <= code <= 0x7E else None


# What may break a token where it was pasted, removed to read it whole: a quoted-printable soft
# break, a line wrap with its quote markers, markup from a code block.
_JOINS = re.compile(r"=\r?\n|\r?\n(?:[ \t]*>)*[ \t]*|(?:</?[A-Za-z][^<>\n]{0,40}>)+")
# The same with single spaces, where the view shows an invisible character: joined separately,
# since a token glued to the word before it no longer starts where its pattern looks for it.
_SPACED_JOINS = re.compile(rf"{_JOINS.pattern}| ")


class _Rewritten:
    """The text with each match of ``pattern`` replaced by ``replace(match)`` (left as it is
    where that gives None), each character's span in the text, and where replacements were."""

    def __init__(
        self, text: str, pattern: re.Pattern[str], replace: Callable[[re.Match[str]], str | None]
    ) -> None:
        parts: list[str] = []
        self.starts: list[int] = []
        self.ends: list[int] = []
        self.cuts: list[int] = []
        cursor = 0
        for match in pattern.finditer(text):
            new = replace(match)
            if new is None:
                continue
            self._plain(parts, text, cursor, match.start())
            self.cuts.append(len(self.starts))
            parts.append(new)
            self.starts.extend([match.start()] * len(new))
            self.ends.extend([match.end()] * len(new))
            cursor = match.end()
        self._plain(parts, text, cursor, len(text))
        self.text = "".join(parts)

    def _plain(self, parts: list[str], text: str, start: int, end: int) -> None:
        parts.append(text[start:end])
        self.starts.extend(range(start, end))
        self.ends.extend(range(start + 1, end + 1))

    def original(self, finding: Finding) -> Finding:
        return Finding(SECRET, self.starts[finding.start], self.ends[finding.end - 1])

    def across_joins(self, finding: Finding) -> Finding | None:
        """A finding in the joined text that spans a join, up to the first piece after one
        that does not read as random (the next line's first word); None if it spans none."""
        inside = self.cuts[
            bisect_right(self.cuts, finding.start) : bisect_left(self.cuts, finding.end)
        ]
        if not inside:
            return None
        end = inside[0]
        for cut, after in zip(inside, [*inside[1:], finding.end], strict=True):
            if not _random_chunk(self.text[cut:after]):
                break
            end = after
        return self.original(Finding(SECRET, finding.start, end))


def _triggers(text: str) -> set[str]:
    lowered = text.lower()
    return {trigger for trigger in _TRIGGERS if trigger in lowered}


def _scan(
    text: str, patterns: tuple[_Pattern, ...], present: set[str] | None = None
) -> list[Finding]:
    present = _triggers(text) if present is None else present
    found: list[Finding] = []
    if present:
        labels = []
        if not present.isdisjoint(_PASSWORD_TRIGGERS):
            labels = [m.start() for m in _LABEL_START.finditer(text)]
        for pattern in patterns:
            if not present.isdisjoint(pattern.triggers):
                found.extend(_findings(pattern, text, labels))
        if not present.isdisjoint(_PASSWORD_TRIGGERS):
            found.extend(password_sentences(text))
    return found


_TOKEN_PATTERNS = tuple(pattern for pattern in PATTERNS if not pattern.at_label)


class SecretRecognizer:
    name = "secrets"
    entities = (SECRET,)

    def find(self, view: View) -> list[Finding]:
        text = view.text
        present = _triggers(text)
        found = _scan(text, PATTERNS, present)
        escaped = "&#" in text or "%" in text or "\\u" in text
        if escaped and any(_escaped_char(match) for match in _ESCAPED.finditer(text)):
            unescaped = _Rewritten(text, _ESCAPED, _escaped_char)
            found += map(unescaped.original, _scan(unescaped.text, _TOKEN_PATTERNS))
        if not present.isdisjoint(_SPLIT_TRIGGERS) and _broken_token(text):
            for joins in (_JOINS, _SPACED_JOINS):
                joined = _Rewritten(text, joins, lambda match: "")
                spans = map(joined.across_joins, _scan(joined.text, _TOKEN_PATTERNS))
                found += [finding for finding in spans if finding is not None]
        return found


# Triggers of the patterns that find a broken token's first piece: without one of them in the
# text, there is nothing for the joined scans to repair.
_SPLIT_TRIGGERS = frozenset(
    trigger
    for pattern in PATTERNS
    if pattern.name in ("token_split", "token_split_more", "aws_access_key_split", "jwt")
    for trigger in pattern.triggers
)
_TOKEN_PIECE = re.compile(r"[A-Za-z0-9_-]{0,24}")
_TRIGGER_SEARCH = re.compile("|".join(sorted(map(re.escape, _TRIGGERS), key=len, reverse=True)))
_REACH = 24


def _broken_token(text: str) -> bool:
    """Some join sits between two token-like pieces (together with a digit, "_" or "-", or
    random-looking) near a token's prefix: only then is the joined text worth scanning."""
    for join in _SPACED_JOINS.finditer(text):
        start, end = join.span()
        if start == 0 or end == len(text):
            continue
        if not (_token_char(text[start - 1]) and _token_char(text[end])):
            continue
        before = _TOKEN_PIECE.match(text[max(0, start - _REACH) : start][::-1])
        after = _TOKEN_PIECE.match(text, end)
        glued = (before.group() if before else "") + (after.group() if after else "")
        tokenish = any(c.isdigit() or c in "_-" for c in glued) or _random_chunk(glued)
        if tokenish and _TRIGGER_SEARCH.search(text[max(0, start - _REACH) : end + _REACH].lower()):
            return True
    return False


def _token_char(char: str) -> bool:
    return char.isascii() and (char.isalnum() or char in "_-")
