"""Secret, CVV/expiry, IBAN, email and phone positives with values computed here."""

from __future__ import annotations

import base64
import json
import random
import string
from collections.abc import Iterator

from tests.redaction.adversarial_check import Case
from tests.redaction.adversarial_pans import make_pan

ALNUM = string.ascii_letters + string.digits
HEX = "abcdef0123456789"


def _rand(rng: random.Random, n: int, alphabet: str = ALNUM) -> str:
    return "".join(rng.choice(alphabet) for _ in range(n))


def _digits(rng: random.Random, n: int) -> str:
    return _rand(rng, n, string.digits)


CVV_FORMS: tuple[str, ...] = (
    "CVV: {v}",
    "cvv {v}",
    "CVV2={v}",
    "CVC-{v}",
    "cvc2: {v}",
    "CID {v}",
    "security code {v}",
    "sec code: {v}",
    "CSC {v}",
    "código de seguridad: {v}",
    "Prüfnummer {v}",
    "cryptogramme visuel : {v}",
    "codice di sicurezza {v}",
    "cvv:{v}",
    "CVV/CVC: {v}",
    "(cvv {v})",
    '"cvv": "{v}"',
    '"cvc":{v}',
    "cvv={v}&",
    "CVV — {v}",
    "card code {v}",
    "Kartenprüfnummer: {v}",
    "CVC {v}",
    "cvn {v}",
    "CVV2/CVC2 {v}",
)
EXPIRY_FORMS: tuple[str, ...] = (
    "exp {v}",
    "exp: {v}",
    "expiry {v}",
    "expires {v}",
    "Exp. Date: {v}",
    "valid thru {v}",
    "good thru {v}",
    "MM/YY: {v}",
    "exp{v}",
    "Ablaufdatum: {v}",
    "gültig bis {v}",
    "fecha de vencimiento: {v}",
    "vence {v}",
    "date d'expiration : {v}",
    "expire le {v}",
    "scadenza {v}",
    "validade {v}",
    "expiration date {v}",
    "exp date={v}",
    '"expiry": "{v}"',
)
EXPIRY_VALUES: tuple[str, ...] = ("09/28", "9/28", "09/2028", "09-28", "0928", "09 / 28", "12/27")


def card_field_cases(rng: random.Random) -> Iterator[Case]:
    for index, form in enumerate(CVV_FORMS):
        cvv = str(rng.randint(100, 999)) if "CID" not in form else str(rng.randint(1000, 9999))
        pan = make_pan(rng, "4", 16)
        order = (f"Visa {pan}, {form.format(v=cvv)}", f"{form.format(v=cvv)} for card {pan}")
        text = order[index % 2]
        if pan[-4:].find(cvv) < 0:
            yield Case(f"cvv {form}", text, pans=(pan,), tokens=(cvv,))
    for index, form in enumerate(EXPIRY_FORMS):
        value = EXPIRY_VALUES[index % len(EXPIRY_VALUES)]
        pan = make_pan(rng, "5", 16)
        text = f"Mastercard {pan} {form.format(v=value)} please check"
        yield Case(f"expiry {form}", text, pans=(pan,), tokens=(value,))


def _jwt(rng: random.Random) -> str:
    def part(obj: dict[str, object]) -> str:
        return base64.urlsafe_b64encode(json.dumps(obj).encode()).decode().rstrip("=")

    head = part({"alg": "HS256", "typ": "JWT"})
    body = part({"sub": _rand(rng, 10), "iat": 1732443330, "scope": "payments:write"})
    return f"{head}.{body}.{_rand(rng, 43, ALNUM + '-_')}"


def _pem(rng: random.Random, kind: str) -> tuple[str, tuple[str, ...]]:
    lines = tuple(_rand(rng, 64, ALNUM + "+/") for _ in range(4))
    label = f"{kind} PRIVATE KEY".strip()
    block = f"-----BEGIN {label}-----\n" + "\n".join(lines) + f"\n-----END {label}-----"
    return block, lines


def _token_secrets(rng: random.Random) -> list[tuple[str, str]]:
    """(label, secret value) for the token-shaped secrets."""
    return [
        ("stripe-live", f"sk_live_{_rand(rng, 24)}"),
        ("stripe-live-long", f"sk_live_51{_rand(rng, 96)}"),
        ("stripe-test", f"sk_test_{_rand(rng, 24)}"),
        ("stripe-restricted", f"rk_live_{_rand(rng, 32)}"),
        ("stripe-restricted-test", f"rk_test_{_rand(rng, 32)}"),
        ("stripe-webhook", f"whsec_{_rand(rng, 32)}"),
        ("aws-akia", f"AKIA{_rand(rng, 16, string.ascii_uppercase + '234567')}"),
        ("aws-asia", f"ASIA{_rand(rng, 16, string.ascii_uppercase + '234567')}"),
        ("github-ghp", f"ghp_{_rand(rng, 36)}"),
        ("github-gho", f"gho_{_rand(rng, 36)}"),
        ("github-ghs", f"ghs_{_rand(rng, 36)}"),
        ("github-ghu", f"ghu_{_rand(rng, 36)}"),
        ("github-pat", f"github_pat_{_rand(rng, 22)}_{_rand(rng, 59)}"),
        (
            "slack-bot",
            f"xoxb-{_digits(rng, 12)}-{_digits(rng, 13)}-{_rand(rng, 24)}",
        ),
        (
            "slack-user",
            f"xoxp-{_digits(rng, 12)}-{_digits(rng, 12)}-{_digits(rng, 13)}-{_rand(rng, 32, HEX)}",
        ),
        ("jwt", _jwt(rng)),
    ]


TOKEN_CONTEXTS: tuple[str, ...] = (
    "here is our key {s} please fix",
    "STRIPE_SECRET_KEY={s}",
    'export API_KEY="{s}"',
    '{{"api_key": "{s}", "mode": "live"}}',
    "key:{s}",
    "> we use {s} in prod",
    "curl https://api.example.com -u {s}:",
    "token ({s})",
    "Unser Schlüssel lautet {s}, bitte prüfen.",
    "la clave es {s}",
    "<code>{s}</code>",
    "`{s}`",
)


# Where a pasted token gets broken: line wraps, soft breaks, markup, invisible characters.
TOKEN_BREAKS: tuple[str, ...] = ("\n", "\n> ", "=\n", "\u200b", "</span><span>", " ", "\u00ad")
TOKEN_ESCAPES: tuple[tuple[str, str], ...] = (("_", "&#95;"), ("_", "%5F"), ("_", "\\u005f"))


def token_cases(rng: random.Random) -> Iterator[Case]:
    for round_ in range(3):
        for index, (label, secret) in enumerate(_token_secrets(rng)):
            context = TOKEN_CONTEXTS[(index + round_ * 5) % len(TOKEN_CONTEXTS)]
            yield Case(f"secret {label}", context.format(s=secret), secrets=(secret,))
    for index, (label, secret) in enumerate(_token_secrets(rng)):
        cut = rng.randrange(len(secret) // 3, 2 * len(secret) // 3)
        broken = secret[:cut] + TOKEN_BREAKS[index % len(TOKEN_BREAKS)] + secret[cut:]
        context = TOKEN_CONTEXTS[index % len(TOKEN_CONTEXTS)]
        yield Case(f"secret broken {label}", context.format(s=broken), secrets=(secret,))
        if "_" in secret:
            plain, escaped = TOKEN_ESCAPES[index % len(TOKEN_ESCAPES)]
            written = secret.replace(plain, escaped)
            yield Case(f"secret escaped {label}", f"key {written} ok", secrets=(secret,))


def _aws_secret(rng: random.Random) -> str:
    return _rand(rng, 40, ALNUM + "+/")


def keyed_secret_cases(rng: random.Random) -> Iterator[Case]:
    aws = [
        "aws_secret_access_key = {s}",
        "AWS_SECRET_ACCESS_KEY: {s}",
        '"SecretAccessKey": "{s}"',
        "AWS secret key is {s}",
        "aws_secret_access_key={s}",
    ]
    for form in aws:
        secret = _aws_secret(rng)
        yield Case(f"aws-secret {form}", form.format(s=secret), secrets=(secret,))
    upper = string.ascii_uppercase + string.digits
    hook = f"T{_rand(rng, 8, upper)}/B{_rand(rng, 10, upper)}/{_rand(rng, 24)}"
    for form in (
        "webhook https://hooks.slack.com/services/{s}",
        '{{"url":"https://hooks.slack.com/services/{s}"}}',
    ):
        yield Case("slack-webhook", form.format(s=hook), secrets=(hook,))
    yield from _auth_header_cases(rng)
    yield from _password_cases(rng)
    for kind in ("RSA", "EC", "OPENSSH", "ENCRYPTED", "", "DSA"):
        block, lines = _pem(rng, kind)
        yield Case(
            f"pem {kind or 'pkcs8'}", f"our key, please configure:\n{block}\nthanks", secrets=lines
        )
    block, lines = _pem(rng, "RSA")
    yield Case("pem json-escaped", json.dumps({"private_key": block}), secrets=lines)
    yield Case("pem quoted", "\n".join("> " + ln for ln in block.splitlines()), secrets=lines)
    yield Case("pem truncated", block.rsplit("\n", 1)[0] + "\n(rest cut off)", secrets=lines)
    yield Case("pem crlf", block.replace("\n", "\r\n"), secrets=lines)


def _auth_header_cases(rng: random.Random) -> Iterator[Case]:
    basic = base64.b64encode(f"{_rand(rng, 8)}:{_rand(rng, 14)}".encode()).decode()
    forms = [
        ("Authorization: Bearer {s}", _rand(rng, 40, ALNUM + "-._~")),
        ("authorization: bearer {s}", _rand(rng, 32)),
        ("curl -H 'Authorization: Bearer {s}' https://api.example.com", _jwt(rng)),
        ('{{"headers": {{"Authorization": "Bearer {s}"}}}}', _rand(rng, 48)),
        ("Authorization: Basic {s}", basic),
        ("headers={{'Authorization': 'Basic {s}'}}", basic),
        ("AUTHORIZATION=Bearer {s}", _rand(rng, 36)),
        ("Authorization:Bearer {s}", _rand(rng, 30)),
        ("Bearer {s}", _rand(rng, 40)),
    ]
    for form, secret in forms:
        yield Case(f"auth {form[:24]}", form.format(s=secret), secrets=(secret,))


PASSWORD_FORMS: tuple[str, ...] = (
    "password: {s}",
    "Password:{s}",
    "passwd={s}",
    "pwd={s}",
    "PASSWORD = {s}",
    'password="{s}"',
    "password = '{s}'",
    '{{"password": "{s}"}}',
    "pass: {s}",
    "Passwort: {s}",
    "contraseña: {s}",
    "mot de passe : {s}",
    "senha: {s}",
    "пароль: {s}",
    "パスワード：{s}",
    "login admin / password {s}",
    "db_password={s}&user=shop",
    "https://admin:{s}@shop.example.com/admin",
    "pw: {s}",
    "Kennwort = {s}",
    "client_secret={s}",
    "secret: {s}",
)


def _password_cases(rng: random.Random) -> Iterator[Case]:
    for form in PASSWORD_FORMS:
        secret = (
            _rand(rng, 6, string.ascii_letters)
            + _rand(rng, 4, "!#$^*?-+")
            + _rand(rng, 3, string.digits)
        )
        secret = "".join(rng.sample(secret, len(secret)))
        yield Case(f"password {form}", form.format(s=secret), secrets=(secret,))
