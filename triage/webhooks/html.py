"""Ticket text as Zendesk sends it: HTML or plain text in, plain text out, quoted replies apart.

Runs at parse time, before redaction, so that neither tags nor entities can split or disguise
a card number: `4111<b>1111</b>&#32;1111` reaches the redactor as `41111111 1111`. Parsing is
lexbor's (selectolax), a C HTML5 parser; the walk below is iterative and visits each node once.
An HTML5 tree builder checks the open-element stack at each tag, so nesting costs time in
proportion to its depth: a document nested deeper than MAX_DEPTH (no mail client writes that)
is flattened instead, in one linear pass (tags dropped, entities decoded, no quote detection).
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator

from selectolax.lexbor import LexborHTMLParser, LexborNode

from triage.tickets import text as ticket_text

# A tag a mail client or Zendesk writes. Literal alternatives only: linear on any input.
LOOKS_LIKE_HTML = re.compile(
    r"</?(?:p|div|br|span|blockquote|html|body|table|tr|td|a|b|i|u|strong|em|ul|ol|li|font"
    r"|h[1-6]|img|hr|pre|center|section)\b|<!--",
    re.IGNORECASE,
)
DROPPED = {"script", "style", "head", "title", "template", "noscript", "object", "svg", "math"}
BLOCKS = {
    "p", "div", "blockquote", "li", "ul", "ol", "tr", "table", "h1", "h2", "h3", "h4", "h5",
    "h6", "pre", "hr", "section", "article", "header", "footer", "center", "address", "dl",
    "dt", "dd", "form", "fieldset",
}  # fmt: skip
QUOTED = (
    "blockquote, div.gmail_quote, div.yahoo_quoted, div.moz-cite-prefix, div#divRplyFwdMsg,"
    " div#appendonsend, div.zd-comment-quoted"
)
# The line a mail client writes above the text it quotes, in the languages merchants write in:
# "On <date>, <name> wrote:", "Le ... a écrit :", "Am ... schrieb ...:", and separators.
ATTRIBUTION_STARTS = ("on ", "le ", "am ", "el ", "il ", "op ", "em ")
ATTRIBUTION_VERBS = (
    " wrote",
    " a écrit",
    " schrieb",
    " escribió",
    " ha scritto",
    " schreef",
    " escreveu",
)
SEPARATORS = ("original message", "forwarded message", "mensaje original", "message d'origine")
MAX_DEPTH = 400
TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9]*)[^<>]*?(/?)>")
VOID = {"br", "hr", "img", "input", "meta", "link", "wbr", "col", "area", "base", "source"}
SPACES = re.compile(r"[ \t\r\n\f\v\u00a0\u2000-\u200b\u202f\u205f\u3000]+")


def to_text(value: str) -> str:
    """Plain text for storing and showing: the new message, then any quoted earlier replies."""
    if LOOKS_LIKE_HTML.search(value):
        new, quoted = _from_html(value) if _depth(value) <= MAX_DEPTH else (_flatten(value), "")
    else:
        new, quoted = html.unescape(value), ""
    new, tail = _split_attribution(new)
    return ticket_text.join(new, "\n".join(part for part in (tail, quoted) if part))


def _depth(value: str) -> int:
    """How deep the tags nest, at most (unclosed tags count as open): one linear scan."""
    depth = deepest = 0
    for closing, name, self_closing in TAG.findall(value):
        if closing:
            depth = max(depth - 1, 0)
        elif not self_closing and name.lower() not in VOID:
            depth += 1
            deepest = max(deepest, depth)
    return deepest


def _flatten(value: str) -> str:
    """Text of a pathological document: comments and tags removed, entities decoded."""
    kept, at = [], 0
    while (start := value.find("<!--", at)) != -1:
        kept.append(value[at:start])
        end = value.find("-->", start + 4)
        at = len(value) if end == -1 else end + 3
    kept.append(value[at:])
    source, out, at = "".join(kept), [], 0
    for tag in TAG.finditer(source):
        out.append(SPACES.sub(" ", html.unescape(source[at : tag.start()])))
        out.append("\n" if tag.group(2).lower() in BLOCKS | {"br"} else "")
        at = tag.end()
    out.append(SPACES.sub(" ", html.unescape(source[at:])))
    return _tidy("".join(out))


def _from_html(value: str) -> tuple[str, str]:
    root = LexborHTMLParser(value).body
    if root is None:
        return "", ""
    quotes = root.css(QUOTED)
    marked = {node.mem_id for node in quotes}
    # A quote inside a quote is rendered with the outer one, not again on its own.
    outermost = [node for node in quotes if not _has_ancestor_in(node, marked)]
    quoted = [_render(node) for node in outermost]
    for node in outermost:
        node.decompose()
    return _render(root), "\n".join(quoted)


def _has_ancestor_in(node: LexborNode, marked: set[int]) -> bool:
    parent = node.parent
    while parent is not None:
        if parent.mem_id in marked:
            return True
        parent = parent.parent
    return False


def _children(node: LexborNode) -> Iterator[LexborNode]:
    child = node.child
    while child is not None:
        yield child
        child = child.next


def _render(root: LexborNode) -> str:
    out: list[str] = []
    stack: list[tuple[LexborNode, bool]] = [(root, False)]
    while stack:
        node, closing = stack.pop()
        tag = node.tag or ""
        if closing:
            out.append("\n")
        elif node.is_text_node:
            out.append(SPACES.sub(" ", node.text_content or ""))
        elif tag == "br":
            out.append("\n")
        elif node.is_element_node and tag not in DROPPED:
            out.append("\n- " if tag == "li" else "\n" if tag in BLOCKS else " " * (tag == "td"))
            if tag in BLOCKS and tag != "li":
                stack.append((node, True))
            stack.extend((child, False) for child in reversed(list(_children(node))))
    return _tidy("".join(out))


def _tidy(text: str) -> str:
    lines = [line.strip() for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def _is_attribution(line: str) -> bool:
    lowered = line.strip().lower()
    if not lowered or len(lowered) > 400:
        return False
    if lowered.startswith("--") and any(word in lowered for word in SEPARATORS):
        return True
    return (
        lowered.startswith(ATTRIBUTION_STARTS)
        and lowered.endswith(":")
        and any(verb in lowered for verb in ATTRIBUTION_VERBS)
    )


def _split_attribution(text: str) -> tuple[str, str]:
    """Cut at the first "On ..., X wrote:" line: what follows is a reply quoted as plain text."""
    lines = text.split("\n")
    for i, line in enumerate(lines):
        if i > 0 and _is_attribution(line):
            return "\n".join(lines[:i]), "\n".join(lines[i:])
    return text, ""
