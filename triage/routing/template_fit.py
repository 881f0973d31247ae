"""Which of a category's reply templates fits a ticket best: TF-IDF weighted word overlap.

A template's document is its title and the text of every translation, so a Spanish ticket is
compared with the Spanish wording. Words every template shares ("hello", "dashboard") weigh
little; the words that tell templates apart ("returned", "holiday", "signature") weigh most.
Tokenising is one linear regex pass over the ticket.
"""

from __future__ import annotations

import math
import re
import threading
from dataclasses import dataclass
from pathlib import Path

from triage.routing.templates import Template, TemplateSet, file_for, source_of

WORD = re.compile(r"[^\W\d_]{3,24}")
JINJA = re.compile(r"\{[{%#].{0,400}?[}%#]\}", re.DOTALL)
MAX_TEXT = 20_000


def words(text: str) -> set[str]:
    return {w.lower() for w in WORD.findall(text[:MAX_TEXT])}


@dataclass(frozen=True)
class FitIndex:
    tset: TemplateSet
    documents: dict[str, frozenset[str]]
    idf: dict[str, float]

    def score(self, template: Template, ticket_words: set[str]) -> float:
        document = self.documents.get(template.id, frozenset())
        if not document:
            return 0.0
        shared = sum(self.idf.get(w, 0.0) for w in ticket_words & document)
        return shared / math.sqrt(len(document))


def _document(tset: TemplateSet, template: Template) -> frozenset[str]:
    parts = [template.title]
    for language in template.languages:
        parts.append(JINJA.sub(" ", source_of(tset.env, file_for(template, language))))
    return frozenset(words(" ".join(parts)))


def _build(tset: TemplateSet) -> FitIndex:
    documents = {tid: _document(tset, t) for tid, t in tset.templates.items()}
    count = max(1, len(documents))
    frequency: dict[str, int] = {}
    for document in documents.values():
        for word in document:
            frequency[word] = frequency.get(word, 0) + 1
    idf = {w: math.log(count / n) for w, n in frequency.items()}
    return FitIndex(tset, documents, idf)


_INDEXES: dict[Path, FitIndex] = {}
_LOCK = threading.Lock()


def index_for(tset: TemplateSet) -> FitIndex:
    """Built once per template set (the files change only with a deploy)."""
    found = _INDEXES.get(tset.directory)
    if found is not None and found.tset is tset:
        return found
    with _LOCK:
        built = _build(tset)
        _INDEXES[tset.directory] = built
        return built


def rank(tset: TemplateSet, category: str | None, text: str) -> list[tuple[Template, float]]:
    """The category's templates, best fit first; ties keep the order of index.yaml."""
    options = tset.for_category(category)
    if not options:
        return []
    index = index_for(tset)
    ticket_words = words(text)
    scored = [(t, index.score(t, ticket_words)) for t in options]
    return sorted(scored, key=lambda pair: -pair[1])
