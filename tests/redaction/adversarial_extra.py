"""Hand-written one-off attacks found while red-teaming, each a single case."""

from __future__ import annotations

from tests.redaction.adversarial_check import Case

V, M, A = "4539578763621486", "5425233430109903", "371449635398431"
AWS = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
PW = "Tr0ub4dor3xyzq"

PAN_LAYOUTS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("combining underline", "card 4\u03325\u03323\u03329\u0332 5787 6362 1486", (V,)),
    ("circled digits", "card ④⑤③⑨ ⑤⑦⑧⑦ ⑥③⑥② ①④⑧⑥", (V,)),
    ("superscript digits", "card ⁴⁵³⁹ ⁵⁷⁸⁷ ⁶³⁶² ¹⁴⁸⁶", (V,)),
    ("html comment", "4539<!-- -->5787<!-- -->6362<!-- -->1486", (V,)),
    (
        "table cells over lines",
        "<tr><td>4539</td>\n<td>5787</td>\n<td>6362</td>\n<td>1486</td>",
        (V,),
    ),
    ("mixed separators", "4539-5787 6362.1486", (V,)),
    ("commas", "4539,5787,6362,1486", (V,)),
    ("comma space", "card 4539, 5787, 6362, 1486", (V,)),
    ("url path", "/v1/cards/4539578763621486/charge", (V,)),
    ("json array", '{"pan": [4539, 5787, 6362, 1486]}', (V,)),
    ("json array strings", '{"pan": ["4539", "5787", "6362", "1486"]}', (V,)),
    ("json escaped slash", '{"pan":"4539\\/5787\\/6362\\/1486"}', (V,)),
    ("html padded entity", "4539&#000160;5787&#000160;6362&#000160;1486", (V,)),
    ("html named thin", "4539&thinsp;5787&thinsp;6362&thinsp;1486", (V,)),
    ("url thin space", "card=4539%E2%80%895787%E2%80%896362%E2%80%891486", (V,)),
    ("eight spaces", "4539        5787        6362        1486", (V,)),
    ("vertical tab", "4539\x0b5787\x0b6362\x0b1486", (V,)),
    ("form feed", "4539\x0c5787\x0c6362\x0c1486", (V,)),
    ("bare CR", "4539\r5787\r6362\r1486", (V,)),
    ("NEL", "4539\x855787\x856362\x851486", (V,)),
    ("RLM", "4539\u200f5787\u200f6362\u200f1486", (V,)),
    ("BOM", "4539\ufeff5787\ufeff6362\ufeff1486", (V,)),
    ("quoted blank line", "> 4539 5787\n>\n> 6362 1486", (V,)),
    ("triple quoted", "> > > 4539 5787\n> > > 6362 1486", (V,)),
    ("quoted-printable", "4539 5787 63=\n62 1486", (V,)),
    ("camelCase glued", "cardNumber4539578763621486cvv123", (V,)),
    ("two glued", f"{V}{M}", (V, M)),
    ("two glued amex", f"cards {A}{V}", (A, V)),
    ("three spaced", "4539 5787 6362 1486 5425 2334 3010 9903 3714 496353 98431", (V, M, A)),
    ("pan exp cvv glued", f"{V}0928123", (V,)),
    ("pan exp cvv spaced", "4539 5787 6362 1486 09 28 123", (V,)),
    ("pan exp cvv slashes", "4539/5787/6362/1486/09/28/123", (V,)),
    ("digit before", "6 4539 5787 6362 1486", (V,)),
    ("date before", "2026-11-24 4539 5787 6362 1486", (V,)),
    ("phone before", "+49 30 1234567 4539578763621486", (V,)),
    ("csv row", "2026-11-24,4539578763621486,12.00,EUR", (V,)),
    ("table row", "| 1 | 2026-11-24 | 4539 5787 6362 1486 | 12.00 | EUR |", (V,)),
    ("russian context luhn-fail", "номер карты 4539 5787 6362 1487", ("4539578763621487",)),
    ("japanese context luhn-fail", "カード番号 4539578763621487", ("4539578763621487",)),
    ("turkish context luhn-fail", "kart numarası 4539-5787-6362-1487", ("4539578763621487",)),
)

PGP = "-----BEGIN PGP PRIVATE KEY BLOCK-----\n\n{k}\n-----END PGP PRIVATE KEY BLOCK-----"
RSA = "{d}BEGIN RSA PRIVATE KEY{d}\n{k}\n{d}END RSA PRIVATE KEY{d}"
KEY = "MIIEpAIBAAKCAQEA1234567890abcdefghij"
SECRETS: tuple[tuple[str, str, str], ...] = (
    ("aws secret after key id", f"AKIAIOSFODNN7EXAMPLE / {AWS}", AWS),
    ("aws credentials csv", f"Access key ID,Secret access key\nAKIAIOSFODNN7EXAMPLE,{AWS}", AWS),
    ("aws german label", f"AWS geheimer Schlüssel: {AWS}", AWS),
    ("aws yaml", f"aws:\n  secret_access_key: {AWS}", AWS),
    (
        "slack app token",
        "xapp-1-A0123456789-1234567890123-abcdef0123456789abcdef",
        "abcdef0123456789abcdef",
    ),
    ("bearer colon", "bearer: abcdef0123456789abcdef", "abcdef0123456789abcdef"),
    (
        "x-api-key",
        "X-Api-Key: 3f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c",
        "3f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c",
    ),
    ("password quoted no colon", 'password "My Secret Pass 1"', "My Secret Pass 1"),
    ("password sentence de", f"Das Passwort lautet {PW}", PW),
    ("password sentence it", f"la password è {PW}", PW),
    ("password sentence pt", f"a senha é {PW}", PW),
    ("password sentence es", f"mi contraseña es {PW}", PW),
    ("password arrow", f"password -> {PW}", PW),
    ("password dash", f"Password - {PW}", PW),
    ("password xml", f"<password>{PW}</password>", PW),
    ("password lowercase word", "password: letmeinplease", "letmeinplease"),
    ("password ftp url", "ftp://user:Sup3rS3cret!@ftp.example.com", "Sup3rS3cret!"),
    ("pem pgp", PGP.format(k="lQOYBF1234567890abcdefghijABCDEFGHIJ"), "lQOYBF1234567890abcdefghij"),
    ("pem lowercase", RSA.format(d="-----", k=KEY).lower(), KEY.lower()),
    ("pem four dashes", RSA.format(d="----", k=KEY), KEY),
    (
        "putty key",
        "PuTTY-User-Key-File-2: ssh-rsa\nPrivate-Lines: 14\nAAABAQCpT1234567890abcdefghijABCDEFG",
        "AAABAQCpT1234567890abcdefghijABCDEFG",
    ),
    ("github short", "ghp_ABCDEFGHIJKLMNOPQRSTUVWXYZab", "ABCDEFGHIJKLMNOPQRSTUVWXYZab"),
    ("iban double spaces", "DE89  3704  0044  0532  0130  00", "370400440532013000"),
    ("iban glued to word", "accountDE89370400440532013000end", "370400440532013000"),
    ("iban spaced country", "GB 29 NWBK 6016 1331 9268 19", "NWBK60161331926819"),
    ("iban over lines", "> IBAN: DE89 3704 0044\n> 0532 0130 00", "370400440532013000"),
    (
        "iban full-width",
        "ＩＢＡＮ ＤＥ８９ ３７０４ ００４４ ０５３２ ０１３０ ００",
        "370400440532013000",
    ),
    ("email url-encoded", "email=jane.doe%40example.com", "jane.doe"),
    ("email quoted-printable", "jane.doe=40example.com", "jane.doe"),
    ("email full-width at", "jane.doe＠example.com", "jane.doe"),
    ("email idn", "jürgen.müller@bäckerei-beispiel.de", "jürgen.müller"),
)

PHONES: tuple[tuple[str, str], ...] = (
    ("Bitte rufen Sie 0049 30 1234567 an", "301234567"),
    ("reach me on 00 44 20 7946 0958 after 5pm", "2079460958"),
    ("toll free 1-800-555-0199", "8005550199"),
    ("＋４９ ３０ １２３４５６７", "301234567"),
    ("+7 (495) 123-45-67", "4951234567"),
    ("+55 (11) 91234-5678", "11912345678"),
)

NEGATIVES: tuple[str, ...] = (
    "Order 6466 6247 5227 6687 12 shipped",
    "Allowed IPs: 62.210.16.61, 62.210.16.62, 65.21.1.100, 64.233.160.100",
    "IPs 62.210.16.61,62.210.16.62,65.21.1.100",
    "Snowflake id 1234567890123456789",
    "Transaction IDs: 5012345678, 6012345678, 4012345678",
    "amounts: 1,234.56, 2,345.67, 3,456.78, 4,567.89",
    "Betrag: 1.234,56 €; 2.345,67 €; 3.456,78 €",
    "MAC 00:1A:2B:3C:4D:5E, serial SN-6011-2233-4455",
    "ISBN 978-3-16-148410-0",
    "Mastercard chargeback reason code 4853, amount 123.45",
    "card declined 3 times on 24.11.2026 at 14:05, amounts 12.50, 13.00",
    "password: ********",
    "Password: [redacted]",
    "Bearer authentication failed",
    "API key: (see vault)",
    "Passwort vergessen, bitte zurücksetzen.",
    "mot de passe oublié",
    'Click "Forgot password" and follow the link',
    "password - please reset it for me",
    "CVV2 mismatch on 4 transactions",
    "the card expires 2027",
    "Version 6.0.1234.5678 / build 5.12.3456.7890",
    "merchant_id=6011223344 terminal_id=5566778899",
    "dispute ARN 7453 7604 2211 2345 6789 012",
    "ARN: 24692164194000012345678 / 74537604221123456789012",
    "Unix ms 1732443330123, 1732443330124, 1732443330125",
    "pi_3OaBcD2eZvKYlo2C0abc1234 failed with card_declined",
    "whsec is configured in the dashboard; sk_live keys must never be shared",
    "a=40 b; page=40&limit=50; price=40.00 EUR",
    "IBAN DE89 3704 0044 0532 0130 01 has a bad checksum",
)


def extra_cases() -> list[Case]:
    cases = [Case(f"extra pan {label}", text, pans=pans) for label, text, pans in PAN_LAYOUTS]
    cases += [Case(f"extra secret {label}", text, secrets=(s,)) for label, text, s in SECRETS]
    cases += [Case(f"extra phone {text}", text, phones=(digits,)) for text, digits in PHONES]
    return cases + [Case("extra neg", text) for text in NEGATIVES]
