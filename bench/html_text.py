"""Zendesk HTML to text: triage's converter (lexbor via selectolax) against the stdlib's
html.parser doing the least it can (collect text nodes), side by side in one run.

Prints microseconds per document for a typical mail body, and per KB as inputs grow (1 KB to
200 KB) and as nesting deepens: a per-KB figure that stays flat is linear time.

    .venv/bin/python bench/html_text.py [--rounds 5]
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from triage.webhooks.html import to_text

MAIL = (
    '<div dir="ltr"><p>Bonjour,</p><p>Le versement du 3 d&eacute;cembre &ndash; lot 7781 &ndash;'
    " n&#39;est jamais arriv&eacute; sur notre compte &amp; la banque ne voit rien.</p>"
    "<p>Merci<br>Boulangerie Martin</p></div><div class='gmail_quote'><div class='gmail_attr'>"
    "On Mon, 1 Dec 2026 at 10:02, Support &lt;help@psp.example&gt; wrote:</div><blockquote>"
    "<p>Your payout was sent on Friday.</p></blockquote></div>"
)


class _TextOnly(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def stdlib_text(value: str) -> str:
    parser = _TextOnly()
    parser.feed(value)
    parser.close()
    return " ".join(parser.parts)


def _time(fn: Callable[[str], str], doc: str, rounds: int) -> float:
    best = float("inf")
    for _ in range(rounds):
        started = time.perf_counter()
        fn(doc)
        best = min(best, time.perf_counter() - started)
    return best


def _row(label: str, doc: str, rounds: int, per_kb: bool) -> None:
    ours, base = _time(to_text, doc, rounds), _time(stdlib_text, doc, rounds)
    scale = 1e6 / (len(doc) / 1024 if per_kb else 1)
    unit = "us/KB" if per_kb else "us/doc"
    print(
        f"{label:<28} triage {ours * scale:9.1f} {unit}   stdlib {base * scale:9.1f} {unit}"
        f"   ratio {ours / base:5.2f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    rounds = parser.parse_args().rounds
    _row("mail body (0.6 KB)", MAIL, rounds * 100, per_kb=False)
    for kb in (1, 10, 100, 200):
        doc = (MAIL * (kb * 1024 // len(MAIL) + 1))[: kb * 1024]
        _row(f"repeated mail, {kb} KB", doc, rounds, per_kb=True)
    for depth in (1_000, 10_000, 40_000):
        doc = "<div>" * depth + "payout missing" + "</div>" * depth
        _row(f"nested divs, depth {depth}", doc, rounds, per_kb=True)
    for kb in (10, 200):
        doc = ("<b>4111" * (kb * 1024 // 7))[: kb * 1024]
        _row(f"unclosed inline tags, {kb} KB", doc, rounds, per_kb=True)


if __name__ == "__main__":
    main()
