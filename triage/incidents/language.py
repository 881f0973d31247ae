"""A ticket's language, guessed from its (redacted) words: enough to choose a greeting."""

from __future__ import annotations

import re

DEFAULT = "en"
MAX_TEXT = 2_000
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
_MARKER_TEXT = {
    "en": "the and is are not our we you have has was with for please since",
    "de": "der die das und ist nicht wir unser unsere ich sie seit bitte noch kein",
    "es": "el la los las y es no nuestro nuestra que por favor desde todavía hemos",
    "fr": "le la les et est pas nous notre vous depuis toujours avons une des",
}
MARKERS = {lang: frozenset(words.split()) for lang, words in _MARKER_TEXT.items()}


def guess(text: str) -> str:
    """The language whose common words the text uses most; English on a tie or no evidence."""
    words = [w.lower() for w in _WORD.findall(text[:MAX_TEXT])]
    scores = {lang: sum(1 for w in words if w in markers) for lang, markers in MARKERS.items()}
    best = max(scores, key=lambda lang: (scores[lang], lang == DEFAULT))
    return best if scores[best] > 0 else DEFAULT
