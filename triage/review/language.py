"""The language a ticket is written in, detected offline (py3langid: its model ships in the
wheel, nothing is downloaded), and the language its reply is written in."""

from __future__ import annotations

import threading
from functools import lru_cache
from itertools import islice
from typing import Any

# Templates exist in the first four; the others are detected so the page can say that a
# Dutch ticket got an English reply because there is no Dutch template, not by mistake.
DETECTED = ("en", "de", "es", "fr", "nl", "it", "pt")
NAMES = {
    "en": "English",
    "de": "German",
    "es": "Spanish",
    "fr": "French",
    "nl": "Dutch",
    "it": "Italian",
    "pt": "Portuguese",
}
# The languages reply templates are written in (labels/templates/ and its de/, es/, fr/).
REPLY_LANGUAGES = ("en", "de", "es", "fr")
MIN_LETTERS = 12
MIN_PROBABILITY = 0.8
# A few hundred characters settle the language; the rest of a long ticket only costs time.
MAX_TEXT = 1_000

_LOCK = threading.Lock()


@lru_cache(maxsize=1)
def _identifier() -> Any:
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    identifier.set_languages(list(DETECTED))
    return identifier


def warm() -> None:
    """Load the model now (about a second) rather than in the first webhook that drafts."""
    _identifier()


def detect(text: str) -> str | None:
    """The ticket's language code, or None when the text is too short or the model unsure."""
    sample = text[:MAX_TEXT]
    if not _has_letters(sample, MIN_LETTERS):
        return None
    with _LOCK:  # the identifier keeps per-call state in numpy buffers
        language, probability = _identifier().classify(sample)
    return str(language) if probability >= MIN_PROBABILITY else None


def _has_letters(text: str, n: int) -> bool:
    """At least n letters: stops at the nth instead of counting a thousand characters."""
    return sum(1 for _ in islice(filter(str.isalpha, text), n)) >= n


def name(code: str | None) -> str:
    return NAMES.get(code or "", code or "unknown")
