"""Ways to write a card number so that it still reads as one, and the check that none survives.

``TUNED`` are the 40 obfuscations of issue 14 (the redaction was changed until all pass);
``HELD_OUT`` were written afterwards, without running them; on their first run 29 of 30
passed (the Japanese long-vowel mark as a dash failed and was then added).
"""

from __future__ import annotations

import html
import unicodedata
from collections.abc import Callable
from urllib.parse import unquote

Writer = Callable[[str], str]


def _groups(pan: str) -> list[str]:
    sizes = (4, 6, 5) if len(pan) == 15 else (4,) * (len(pan) // 4)
    out, at = [], 0
    for size in sizes:
        out.append(pan[at : at + size])
        at += size
    return out


def joined(separator: str) -> Writer:
    return lambda pan: separator.join(_groups(pan))


def each_digit(separator: str) -> Writer:
    return lambda pan: separator.join(pan)


def script(zero: int) -> Writer:
    return lambda pan: "".join(chr(zero + int(d)) for d in pan)


def mapped(table: str) -> Writer:
    return lambda pan: " ".join("".join(table[int(d)] for d in g) for g in _groups(pan))


def wrapped(left: str, right: str, between: str = " ") -> Writer:
    return lambda pan: between.join(f"{left}{g}{right}" for g in _groups(pan))


def reversed_override(pan: str) -> str:
    return "\u202e" + " ".join(_groups(pan))[::-1] + "\u202c"


SUPERSCRIPT = "\u2070\u00b9\u00b2\u00b3\u2074\u2075\u2076\u2077\u2078\u2079"
CIRCLED = "\u24ea\u2460\u2461\u2462\u2463\u2464\u2465\u2466\u2467\u2468"

TUNED: dict[str, Writer] = {
    **{f"sep {sep!r}": joined(sep) for sep in "*:~;=#`|_+/\\,"},
    "ten spaces": joined(" " * 10),
    "fraction slash": joined("\u2044"),
    "hebrew geresh": joined("\u05f3"),
    "hangul filler": joined("\u3164"),
    "braille blank": joined("\u2800"),
    "parentheses": wrapped("(", ")"),
    "brackets": wrapped("[", "]", ""),
    "html decimal": lambda pan: "".join(f"&#{ord(d)};" for d in pan),
    "html hex": lambda pan: "".join(f"&#x{ord(d):x};" for d in pan),
    "right-to-left override": reversed_override,
    "fullwidth": script(0xFF10),
    "zero-width": each_digit("\u200b"),
    "superscript": mapped(SUPERSCRIPT),
    "circled": mapped(CIRCLED),
    "arabic-indic": script(0x0660),
    "devanagari": script(0x0966),
    "spaces": joined(" "),
    "dashes": joined("-"),
    "dots": joined("."),
    "no-break space": joined("\u00a0"),
    "tab": joined("\t"),
    "line break": joined("\n"),
    "plain": lambda pan: pan,
    "en dash": joined("\u2013"),
    "thin space": joined("\u2009"),
    "math bold": script(0x1D7CE),
    "persian": script(0x06F0),
}

HELD_OUT: dict[str, Writer] = {
    "spaced dash": joined(" - "),
    "middle dot": joined("\u00b7"),
    "bullet": joined(" \u2022 "),
    "soft hyphen": each_digit("\u00ad"),
    "word joiner": joined("\u2060"),
    "ideographic space": joined("\u3000"),
    "html comment": joined("<!-- -->"),
    "span tags": wrapped("<span>", "</span>", ""),
    "nbsp entity": joined("&nbsp;"),
    "url space": joined("%20"),
    "json newline escape": joined("\\n"),
    "zero-padded entity": lambda pan: "".join(f"&#00{ord(d)};" for d in pan),
    "mixed entities": lambda pan: "".join(
        f"&#{ord(d)};" if i % 2 else f"&#X{ord(d):X};" for i, d in enumerate(pan)
    ),
    "json unicode escape": lambda pan: "".join(f"\\u{ord(d):04x}" for d in pan),
    "url-encoded digits": lambda pan: "".join(f"%{ord(d):X}" for d in pan),
    "braces": wrapped("{", "}", ""),
    "angle quotes": wrapped("\u00ab", "\u00bb"),
    "quoted groups": wrapped('"', '"', ", "),
    "thai digits": script(0x0E50),
    "bengali digits": script(0x09E6),
    "fullwidth with ideographic dash": lambda pan: (
        script(0xFF10)(pan)[:8] + "\u30fc" + script(0xFF10)(pan)[8:]
    ),
    "pipes with spaces": joined(" | "),
    "double slash": joined("//"),
    "star pairs": joined("**"),
    "twelve spaces": joined(" " * 12),
    "tab and dot": joined("\t.\t"),
    "override without end": lambda pan: "\u202e" + pan[::-1],
    "combining underline": lambda pan: "".join(d + "\u0332" for d in pan),
    "mongolian separator": joined("\u180e"),
    "hair space": joined("\u200a"),
}

CONTEXTS = (
    "my card is {f}, please refund",
    "Kartennummer: {f} wurde abgelehnt",
    "tarjeta {f} cobrada dos veces",
    "carte bancaire {f} refusée",
)
# Luhn-valid numbers of three brands and lengths, none containing the digit runs of another.
PANS = ("4539578763621486", "5425233430109903", "378282246310005")


def survivors(output: str, pan: str) -> str:
    """What of ``output`` is left once the PAN token is removed and escapes decoded: digits."""
    rest = unquote(html.unescape(output.replace(f"[PAN ...{pan[-4:]}]", "")))
    rest = rest.encode("ascii", "backslashreplace").decode("unicode_escape", "replace")
    return "".join(c for c in rest if unicodedata.digit(c, None) is not None)
