"""Card numbers: every brand and length, every way of writing them, and what must survive."""

from __future__ import annotations

import itertools

import pytest

from triage.redaction import redact
from triage.redaction.cards import card_shaped
from triage.redaction.normalize import luhn_ok

BRAND_PANS = [
    ("visa 13", "4222222222222"),
    ("visa 16", "4111111111111111"),
    ("visa 19", "4000000000000000006"),
    ("mastercard 51", "5105105105105100"),
    ("mastercard 55", "5555555555554444"),
    ("mastercard 2221", "2221000000000009"),
    ("mastercard 2720", "2720999999999996"),
    ("amex 34", "340000000000009"),
    ("amex 37", "378282246310005"),
    ("discover 6011", "6011111111111117"),
    ("discover 644", "6445644564456445"),
    ("discover 649", "6490000000000004"),
    ("discover 65", "6500000000000002"),
    ("discover 19", "6011000000000000001"),
    ("jcb 3528", "3528000000000007"),
    ("jcb 3589", "3589123456789018"),
    ("jcb 19", "3530111333300000001"),
    ("diners 300", "30000000000004"),
    ("diners 305", "30569309025904"),
    ("diners 36", "36227206271667"),
    ("diners 38", "38520000023237"),
    ("diners 39 16", "3900000000000005"),
    ("unionpay 16", "6200000000000005"),
    ("unionpay 17", "62123456789012347"),
    ("unionpay 19", "6212345678901234569"),
    ("maestro 13", "6759649826430"),
    ("maestro 19", "6767700000000000001"),
    ("maestro 56", "5600000000000003"),
]


@pytest.mark.parametrize(("brand", "pan"), BRAND_PANS, ids=[b for b, _ in BRAND_PANS])
def test_every_brand_and_length_is_redacted_without_context(brand: str, pan: str) -> None:
    result = redact(f"please look at {pan} today")
    assert result.text == f"please look at [PAN ...{pan[-4:]}] today"
    assert card_shaped(pan)


@pytest.mark.parametrize(
    "text",
    [
        "merchant account 673129686857 settlement pending",
        "please look at 501800000009 today",
        "Bestellung 5018-0000-0009 ist bezahlt",
    ],
)
def test_twelve_digit_numbers_without_card_words_are_ids(text: str) -> None:
    assert card_shaped("673129686857") and luhn_ok("673129686857")
    assert redact(text).text == text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("maestro card 673129686857 declined", "maestro card [PAN ...6857] declined"),
        ("Karte 5018 0000 0009 abgelehnt", "Karte [PAN ...0009] abgelehnt"),
    ],
)
def test_twelve_digit_cards_with_card_words_are_redacted(text: str, expected: str) -> None:
    assert redact(text).text == expected


def _groups(pan: str, sizes: tuple[int, ...]) -> list[str]:
    out, at = [], 0
    for size in sizes:
        out.append(pan[at : at + size])
        at += size
    return out


PAN = "4111111111111111"
FORMATS = [
    ("spaces", "4111 1111 1111 1111"),
    ("dashes", "4111-1111-1111-1111"),
    ("dots", "4111.1111.1111.1111"),
    ("slashes", "4111/1111/1111/1111"),
    ("tabs", "4111\t1111\t1111\t1111"),
    ("underscores", "4111_1111_1111_1111"),
    ("nbsp", "4111\u00a01111\u00a01111\u00a01111"),
    ("thin space", "4111\u20091111\u20091111\u20091111"),
    ("narrow nbsp", "4111\u202f1111\u202f1111\u202f1111"),
    ("ideographic space", "4111\u30001111\u30001111\u30001111"),
    ("figure space", "4111\u20071111\u20071111\u20071111"),
    ("zero width space", "4111\u200b1111\u200b1111\u200b1111"),
    ("soft hyphen", "4111\u00ad1111\u00ad1111\u00ad1111"),
    ("en dash", "4111\u20131111\u20131111\u20131111"),
    ("minus sign", "4111\u22121111\u22121111\u22121111"),
    ("line break", "4111 1111\n1111 1111"),
    ("crlf", "4111-1111\r\n1111-1111"),
    ("line separator", "4111 1111\u20281111 1111"),
    ("quoted reply", "4111 1111\n> 1111 1111"),
    ("nested quote", "4111\n> > 1111\n> > 1111\n> > 1111"),
    ("spaced dashes", "4111 - 1111 - 1111 - 1111"),
    ("double spaces", "4111  1111  1111  1111"),
    ("irregular groups", "41 111111 1111 11 11"),
    ("single digits", " ".join(PAN)),
    ("mixed separators", "4111 1111-1111.1111"),
    ("html entity", "4111&nbsp;1111&nbsp;1111&nbsp;1111"),
    ("numeric entity", "4111&#160;1111&#160;1111&#160;1111"),
    ("html br", "4111<br/>1111<br>1111<br />1111"),
    ("html tags", "4111</span><span>1111</span> <span>1111</span><span>1111"),
    ("quoted-printable soft breaks", "4111 1111 11=\n11 1111"),
    ("middle dots", "4111·1111·1111·1111"),
    ("bullets", "4111•1111•1111•1111"),
    ("url encoded", "4111%201111%201111%201111"),
    ("plus encoded", "4111+1111+1111+1111"),
    ("json newline escape", "4111\\n1111\\n1111\\n1111"),
    ("json nbsp escape", "4111\\u00a01111\\u00a01111\\u00a01111"),
    ("csv commas", "4111,1111,1111,1111"),
    ("pipes", "4111 | 1111 | 1111 | 1111"),
    ("full width digits", "４１１１　１１１１　１１１１　１１１１"),
    ("arabic-indic digits", "٤١١١ ١١١١ ١١١١ ١١١١"),
    ("devanagari digits", "४१११ ११११ ११११ ११११"),
    ("bengali digits", "৪১১১ ১১১১ ১১১১ ১১১১"),
    ("mathematical digits", "𝟒𝟏𝟏𝟏 𝟏𝟏𝟏𝟏 𝟏𝟏𝟏𝟏 𝟏𝟏𝟏𝟏"),
    ("full width dashes", "４１１１－１１１１－１１１１－１１１１"),
]


@pytest.mark.parametrize(("name", "written"), FORMATS, ids=[n for n, _ in FORMATS])
def test_every_format_is_redacted(name: str, written: str) -> None:
    assert redact(f"number {written} thanks").text == "number [PAN ...1111] thanks"


WRAPPERS = [
    ("glued to letters", "cc:{}exp0928", "cc:[PAN ...1111]exp[EXPIRY]"),
    ("glued both sides", "number{}please", "number[PAN ...1111]please"),
    ("json", '{{"card":"{}","amount":1200}}', '{{"card":"[PAN ...1111]","amount":1200}}'),
    ("url", "https://x.test/pay?pan={}&cur=EUR", "https://x.test/pay?pan=[PAN ...1111]&cur=EUR"),
    ("html", "<td>{}</td>", "<td>[PAN ...1111]</td>"),
    ("markdown", "| J. Doe | {} | x |", "| J. Doe | [PAN ...1111] | x |"),
    ("quoted", "> card {}\n> thanks", "> card [PAN ...1111]\n> thanks"),
    ("parentheses", "({})", "([PAN ...1111])"),
    ("bracketed", "[{}]", "[[PAN ...1111]]"),
]


@pytest.mark.parametrize(("name", "template", "expected"), WRAPPERS, ids=[w[0] for w in WRAPPERS])
def test_pan_inside_markup(name: str, template: str, expected: str) -> None:
    assert redact(template.format(PAN)).text == expected.format()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("card 4111 1111 1111 1112", "card [PAN ...1112]"),
        ("Karte: 4111111111111112", "Karte: [PAN ...1112]"),
        ("tarjeta 5555-5555-5555-4445", "tarjeta [PAN ...4445]"),
        ("carte 3782 822463 10006", "carte [PAN ...0006]"),
        ("Visa 4000 1234 5678 9011", "Visa [PAN ...9011]"),
        ("PAN=6011111111111118", "PAN=[PAN ...1118]"),
        ("cartão 4111111111111112", "cartão [PAN ...1112]"),
        ("Kreditkarte 4111 1111 1111 1112", "Kreditkarte [PAN ...1112]"),
    ],
)
def test_luhn_failing_numbers_with_card_context(text: str, expected: str) -> None:
    assert redact(text).text == expected


@pytest.mark.parametrize(
    "text",
    [
        "Order 4111111111111112 failed",
        "order ids 5555555555554445, 6011111111111118",
        "masked 411111******1111",
        "dashboard shows 4111 11XX XXXX 1111",
        "the card ending in 4242",
        "ARN 74987506234123456789012",
        "ARN 24692163140000123456789 for the card ending 4242",
        "Sales by day: 5120 4450 3980 6210 5530 4870 5010",
        "IPs\n54.187.174.169\n54.187.205.235\n54.187.216.72",
        "2024-05-01,4500.00\n2024-05-02,3200.50\n2024-05-03,1100.75",
        "Unix 1714567890123 and 1714567890",
        "uuid 123e4567-e89b-12d3-a456-426614174000",
        "BIN 424242, last4 4242",
        "card payments batch 2024-05-01,4500.00\n2024-05-02,3200.50\n2024-05-03,1100.75",
        "tracking 1Z999AA10123456784",
        "<tr><td>2024-05-01</td><td>4500.00</td></tr><tr><td>2024-05-02</td><td>3200.50</td></tr>",
    ],
)
def test_negatives_are_left_alone(text: str) -> None:
    assert redact(text).text == text


def _written_as(pan: str, written: str) -> str:
    digits = iter(pan)
    return "".join(next(digits) if char.isdigit() else char for char in written)


ASCII_FORMATS = [(n, w) for n, w in FORMATS if sum(c in "0123456789" for c in w) == 16]
PASTED_JOINERS = (" ", " / ", "-", ".", "\n", "\t", "  ", " ; ")


@pytest.mark.parametrize("lead", ["tried both", "both cards"])
@pytest.mark.parametrize("joiner", PASTED_JOINERS, ids=repr)
def test_two_cards_pasted_together_in_any_formats(lead: str, joiner: str) -> None:
    """One long run of digits: the gap between the cards may be one either card uses inside.
    With card words near and without."""
    expected = f"{lead} [PAN ...1111]{joiner}[PAN ...0004] failed"
    missed = []
    for (first_name, first), (second_name, second) in itertools.product(ASCII_FORMATS, repeat=2):
        text = _written_as(PAN, first) + joiner + _written_as("5500000000000004", second)
        if redact(f"{lead} {text} failed").text != expected:
            missed.append((first_name, second_name))
    assert missed == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("4111-1111 1111.1111 / 4111-1111 1111.1111", "[PAN ...1111] / [PAN ...1111]"),
        ("4111-1111 1111.1111 4111-1111 1111.1111", "[PAN ...1111] [PAN ...1111]"),
        ("4111 1111\n1111 1111 5500-0000 0000.0004", "[PAN ...1111] [PAN ...0004]"),
        ("paid 2024-11-05 4111-1111 1111.1111", "paid 2024-11-05 [PAN ...1111]"),
        ("2024-11-05 4111-1111 1111.1111 10:22", "2024-11-05 [PAN ...1111] 10:22"),
        ("2024-11-05 4111 1111 1111 1111 10:22", "2024-11-05 [PAN ...1111] 10:22"),
        (
            "4111 1111\t1111  1111 09/28 5500\u00a00000/0000-0004 10:22",
            "[PAN ...1111] [EXPIRY] [PAN ...0004] 10:22",
        ),
        ("4111-1111 1111.1111 123 5500-0000 0000.0004", "[PAN ...1111] [CVV] [PAN ...0004]"),
        ("10:22 / 4111 1111\n1111 1111", "10:22 / [PAN ...1111]"),
        (
            "4111-1111 1111.1111 5500 0000 0000 0004 3782 822463 10005",
            "[PAN ...1111] [PAN ...0004] [PAN ...0005]",
        ),
    ],
)
def test_mixed_separator_card_in_a_long_run(text: str, expected: str) -> None:
    assert redact(text).text == expected


@pytest.mark.parametrize(
    "text",
    [
        "2024-05-01 10:22:31.120 4500.00 EUR / 2024-05-02 11:40:02.310 3200.50 EUR",
        "ids 5120-4450 3980.6210 5530-4870 5010.2231 4410-3390",
        "v1.4.2-3 build 2024.11.05-1730 sha 5120 4450",
    ],
)
def test_mixed_separator_number_lists_are_left_alone(text: str) -> None:
    assert redact(text).text == text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # A date after the card starts with a group of the card's size, but a dash ties it on.
        ("2024-11-05 4111 1111 1111 1111 2024-11-05", "2024-11-05 [PAN ...1111] 2024-11-05"),
        ("10:22 4111 1111 1111 1111 2024-11-05", "10:22 [PAN ...1111] 2024-11-05"),
        # Printed as cards of these lengths are: Amex 4-6-5, 19 digits 4-4-4-4-3.
        ("10:22 3782 822463 10005 2024-11-05", "10:22 [PAN ...0005] 2024-11-05"),
        ("10:22 6011 0009 9013 9420 007 2024-11-05", "10:22 [PAN ...0007] 2024-11-05"),
        # Short numbers on both sides, more than a card's worth of them together.
        ("paid 12.50 4111-1111 1111.1111 2024-11-05", "paid 12.50 [PAN ...1111] 2024-11-05"),
    ],
)
def test_card_between_a_date_time_or_amount_without_card_words(text: str, expected: str) -> None:
    assert redact(text).text == expected


@pytest.mark.parametrize(
    "text",
    [
        "batch 1200 3400 5600 7800 9000 1100 2024-11-05",
        "2024-11-05 1234 567890 12345 2024-11-06",
        "totals 2024-11-05 1250.00 3300.10 / 4100-22 10:22",
    ],
)
def test_numbers_between_dates_that_are_no_card_stay(text: str) -> None:
    assert redact(text).text == text


def test_glued_expiry_counts_without_context_only_when_it_is_a_date() -> None:
    assert redact("41111111111111110928").text == "[PAN ...1111][EXPIRY]"
    assert redact("41111111111111119999").text == "41111111111111119999"


@pytest.mark.parametrize(
    ("digits", "shaped"),
    [
        ("4111111111111111", True),
        ("411111111111111", False),  # Visa has no 15-digit numbers
        ("5105105105105100", True),
        ("510510510510510", False),
        ("2220999999999999", False),  # below the 2-series range
        ("2721000000000000", False),
        ("34000000000000", False),  # Amex is 15 digits
        ("1234567812345670", False),
        ("7498750623412345", False),
        ("501800000009", True),
    ],
)
def test_card_shape(digits: str, shaped: bool) -> None:
    assert card_shaped(digits) is shaped
