"""Property: Luhn-valid PANs written any which way, in any context, never survive."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.redaction.corpus import flatten, leaked_pans
from triage.redaction import redact
from triage.redaction.normalize import luhn_ok, luhn_run_remains

# (prefix, length): one or more per brand, lengths as the networks issue them.
BRANDS = [
    ("4", 13), ("4", 16), ("4", 19), ("51", 16), ("55", 16), ("2221", 16), ("2720", 16),
    ("34", 15), ("37", 15), ("6011", 16), ("6011", 19), ("644", 16), ("65", 16), ("3528", 16),
    ("3589", 19), ("300", 14), ("36", 14), ("38", 16), ("62", 16), ("62", 19), ("50", 12),
    ("67", 13), ("56", 18),
]  # fmt: skip
DIGIT_ZEROS = ["0", "\uff10", "\u0660", "\u06f0", "\u0966", "\u09e6", "\U0001d7ce"]
SEPARATORS = [
    "", " ", "-", ".", "/", "\t", "_", "\u00a0", "\u2009", "\u202f", "\u3000", "\u200b",
    "\u2013", "\n", "\r\n", "\n> ", "\r\n> > ", " - ", "  ", "&nbsp;", "%20", "<br>", "\\n",
]  # fmt: skip
PREFIXES = [
    "", "card ", "Karte: ", "tarjeta nº ", "carte ", "cc:", "number", "pls refund ", "PAN=",
    '{"card":"', "https://shop.test/pay?pan=", "<td>", "| J. Doe | ", "> ", "> > ", "Hi,\n\n",
    "Order paid with ", "(", "[", "\u300c",
]  # fmt: skip
# A 12-digit number is only a card next to card words; without them it is an id (issue 14).
CARD_PREFIXES = [
    p for p in PREFIXES if any(w in p.lower() for w in ("card", "kart", "tarj", "cc", "pan"))
]
SUFFIXES = [
    "", " thanks", "exp0928", " exp 09/28", '","amount":1200}', "&cur=EUR", "</td>", " |",
    "\n> regards", ")", "]", "\u300d", "please", "\nCVV 123", " was declined!!", ".",
]  # fmt: skip


@st.composite
def pans(draw: st.DrawFn) -> str:
    prefix, length = draw(st.sampled_from(BRANDS))
    body = prefix + "".join(
        draw(
            st.lists(
                st.sampled_from("0123456789"),
                min_size=length - len(prefix) - 1,
                max_size=length - len(prefix) - 1,
            )
        )
    )
    check = next(d for d in "0123456789" if luhn_ok(body + d))
    return body + check


@st.composite
def written(draw: st.DrawFn, pan: str) -> str:
    zero = draw(st.sampled_from(DIGIT_ZEROS))
    digits = [chr(ord(zero) + int(d)) for d in pan]
    cuts = sorted(draw(st.sets(st.integers(1, len(pan) - 1), max_size=6)))
    uniform = draw(st.booleans())
    first = draw(st.sampled_from(SEPARATORS))
    out, previous = [], 0
    for cut in [*cuts, len(pan)]:
        out.append("".join(digits[previous:cut]))
        if cut < len(pan):
            out.append(first if uniform else draw(st.sampled_from(SEPARATORS)))
        previous = cut
    return "".join(out)


@st.composite
def tickets(draw: st.DrawFn) -> tuple[str, list[str]]:
    embedded = draw(st.lists(pans(), min_size=1, max_size=3))
    parts = []
    for pan in embedded:
        prefixes = CARD_PREFIXES if len(pan) == 12 else PREFIXES
        parts.append(draw(st.sampled_from(prefixes)) + draw(written(pan)))
        parts.append(
            draw(st.sampled_from(SUFFIXES)) + draw(st.sampled_from([" and ", "\n", " / also "]))
        )
    return "".join(parts), embedded


@settings(max_examples=300, deadline=None)
@given(tickets())
def test_embedded_pans_never_survive(ticket: tuple[str, list[str]]) -> None:
    text, embedded = ticket
    output = redact(text).text
    assert leaked_pans(output, tuple(embedded)) == [], (text, output, flatten(output))
    assert not luhn_run_remains(output), (text, output)
