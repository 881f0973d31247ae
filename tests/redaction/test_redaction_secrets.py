"""Secrets: the value goes, the label stays readable; ordinary prose about keys survives."""

from __future__ import annotations

import pytest

from triage.redaction import redact

SECRETS = [
    ("stripe live", "key sk_live_51HqLyjWDarjtT1zdp7dcXYZ ok", "key [SECRET] ok"),
    ("stripe test", "sk_test_4eC39HqLyjWDarjtT1zdp7dc", "[SECRET]"),
    ("stripe restricted", "rk_live_51Habcdefghijklmnop0987", "[SECRET]"),
    ("stripe glued", "key=sk_live_51HqLyjWDarjtT1zd&x=1", "key=[SECRET]&x=1"),
    ("webhook secret", "whsec_5f8a9b2c3d4e5f6a7b8c9d0e", "[SECRET]"),
    ("aws access key", "AKIAIOSFODNN7EXAMPLE in env", "[SECRET] in env"),
    (
        "aws secret key",
        "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        "aws_secret_access_key = [SECRET]",
    ),
    ("github classic", "ghp_16C7e42F292c6912E7710c838347Ae178B4a", "[SECRET]"),
    ("github fine grained", "github_pat_11ABCDEFG0123456789_abcdefghijklmnop", "[SECRET]"),
    ("slack bot", "xoxb-123456789012-1234567890123-AbCdEfGhIjKl", "[SECRET]"),
    ("slack webhook", "https://hooks.slack.com/services/T000/B000/XXXXXXXX", "https://[SECRET]"),
    (
        "jwt",
        "token eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.c2lnbmF0dXJlX2hlcmU fails",
        "token [SECRET] fails",
    ),
    ("bearer header", "Authorization: Bearer 9f8e7d6c5b4a3928", "Authorization: Bearer [SECRET]"),
    ("basic header", "Authorization: Basic bWVyY2hhbnQ6cGFzcw==", "Authorization: Basic [SECRET]"),
    (
        "json header",
        '{"Authorization": "Bearer abc123def456"}',
        '{"Authorization": "Bearer [SECRET]"}',
    ),
    ("bearer alone", "sent bearer abcdef123456 again", "sent bearer [SECRET] again"),
    ("basic alone", "used Basic bWVyY2hhbnQ6cGFzcw== there", "used Basic [SECRET] there"),
    ("password colon", "password: hunter2", "password: [SECRET]"),
    ("passwd equals", "passwd=hunter22&user=a", "passwd=[SECRET]&user=a"),
    ("json password", '{"password": "Tr0ub4dor&3"}', '{"password": "[SECRET]"}'),
    ("password sentence", "my password is Tr0ub4dor3", "my password is [SECRET]"),
    ("german password", "Passwort: Sommer2024", "Passwort: [SECRET]"),
    ("spanish password", "contraseña: Verano2024", "contraseña: [SECRET]"),
    ("api key label", "api_key=9f8e7d6c5b4a", "api_key=[SECRET]"),
    ("client secret", "client_secret: a1b2c3d4e5f6g7h8", "client_secret: [SECRET]"),
    ("url credentials", "postgres://app:s3cr3t@db:5432/x", "postgres://app:[SECRET]@db:5432/x"),
    ("openai", "sk-proj-abcdefghijklmnopqrstuvwx1234", "[SECRET]"),
    ("google", "AIzaSyA1234567890abcdefghijklmnopqrstuv", "[SECRET]"),
    (
        "pem",
        "a\n-----BEGIN EC PRIVATE KEY-----\nMHcCAQEE\n-----END EC PRIVATE KEY-----\nb",
        "a\n[SECRET]\nb",
    ),
    (
        "pgp",
        "-----BEGIN PGP PRIVATE KEY BLOCK-----\nlQOYBF\n-----END PGP PRIVATE KEY BLOCK-----",
        "[SECRET]",
    ),
    ("card pin", "PIN: 4821", "PIN: [SECRET]"),
    ("sendgrid", "SG.abcdefghijklmnopqr.abcdefghijklmnopqrstu", "[SECRET]"),
    ("shopify", "shpat_0123456789abcdef0123456789abcdef", "[SECRET]"),
    ("gitlab", "glpat-abcdefghij0123456789", "[SECRET]"),
    ("pem truncated", "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBg", "[SECRET]"),
    ("full width key", "ｓｋ＿ｌｉｖｅ＿51HqLyjWDarjtT1zd", "[SECRET]"),
]


@pytest.mark.parametrize(("name", "text", "expected"), SECRETS, ids=[s[0] for s in SECRETS])
def test_secrets_are_redacted(name: str, text: str, expected: str) -> None:
    assert redact(text).text == expected


@pytest.mark.parametrize(
    "text",
    [
        "I reset my password yesterday and it still fails",
        "My password is not working since the update",
        "The token expired, please advise.",
        "Basic plan customers pay 2.5%.",
        "We use a publishable key pk_live_51Habc in the browser",
        "Where do I find the webhook secret in the dashboard?",
        "Our API key was rotated on 2024-05-01.",
        "The bearer of this letter is our CFO.",
        "ghost orders in the high season",
        "The PIN pad shows error 12",
    ],
)
def test_prose_about_secrets_survives(text: str) -> None:
    assert redact(text).text == text


BROKEN_TOKENS = [
    "sk_live_51HqLyjWDarjtT1zdp7dcXYZ4eC39HqLy",
    "whsec_5f8a9b2c3d4e5f6a7b8c9d0e1f2a3b4c",
    "ASIA6BIIH6GDGLZYCCSJ",
    "ghp_16C7e42F292c6912E7710c838347Ae178B4a",
    "xoxb-123456789012-1234567890123-AbCdEfGhIjKl",
    "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.c2lnbmF0dXJlX2hlcmU",
]
BREAKS = {
    "mail line wrap": "\n",
    "quoted wrap": "\n> ",
    "quoted-printable soft break": "=\n",
    "zero width space": "\u200b",
    "soft hyphen": "\u00ad",
    "code block markup": '</span><span class="s">',
    "space": " ",
}


@pytest.mark.parametrize("token", BROKEN_TOKENS)
@pytest.mark.parametrize("where", BREAKS.values(), ids=BREAKS.keys())
def test_a_token_broken_where_it_was_pasted_goes_whole(token: str, where: str) -> None:
    half = len(token) // 2
    out = redact(f"our key is {token[:half]}{where}{token[half:]} thanks").text
    assert token[half:] not in out and token[:half] not in out
    assert out.startswith("our key is [SECRET]") and out.endswith(" thanks")


ESCAPED = {
    "html entities": "sk&#95;live&#95;51HqLyjWDarjtT1zdp7dcXYZ",
    "hex entities": "sk&#x5f;live&#x5F;51HqLyjWDarjtT1zdp7dcXYZ",
    "url escapes": "sk%5Flive%5F51HqLyjWDarjtT1zdp7dcXYZ",
    "json escapes": "sk\\u005flive\\u005f51HqLyjWDarjtT1zdp7dcXYZ",
}


@pytest.mark.parametrize("written", ESCAPED.values(), ids=ESCAPED.keys())
def test_a_token_written_with_escapes_goes(written: str) -> None:
    assert redact(f"key {written} ok").text == "key [SECRET] ok"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "key sk_live_51HqLyjWDarjtT1zdp7dcXYZ4eC\nThanks for checking, Maria",
            "key [SECRET]\nThanks for checking, Maria",
        ),
        (
            "token ghp_16C7e42F292c6912E7710c838347Ae178B4a please rotate it",
            "token [SECRET] please rotate it",
        ),
        (
            "see https://example.test/a%2Fb?q=%41%42 for the docs",
            "see https://example.test/a%2Fb?q=%41%42 for the docs",
        ),
    ],
)
def test_the_words_after_a_token_stay(text: str, expected: str) -> None:
    assert redact(text).text == expected
