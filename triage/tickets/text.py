"""A message's new text and the earlier replies it quotes, kept apart in one stored string.

The quoted part follows QUOTE_MARK, each line prefixed with "> ". Analysts see both; the
classifier and the LLM see only the new message (`new_message`), so a thread quoted under a
short "thanks, solved" is not classified as the thread's first problem.
"""

from __future__ import annotations

QUOTE_MARK = "\n\n[quoted earlier message]\n"


def join(new: str, quoted: str) -> str:
    new, quoted = new.strip(), quoted.strip()
    if not quoted:
        return new
    lines = "\n".join(f"> {line}".rstrip() for line in quoted.splitlines())
    return f"{new}{QUOTE_MARK}{lines}"


def new_message(text: str) -> str:
    return text.split(QUOTE_MARK, 1)[0]
