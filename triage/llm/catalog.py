"""The taxonomy and reply templates the LLM may choose from, read from labels/.

Read directly from the fixed label formats (labels/taxonomy.yaml, labels/templates/index.yaml)
so the response schema never depends on anything the model or the ticket could influence.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from triage import labels

# Links are for analysts to fill in: a model-filled URL in a merchant reply is a phishing risk.
LLM_SKIPPED_SLOT_SUFFIXES = ("_url",)


@dataclass(frozen=True)
class CategoryInfo:
    id: str
    name: str
    description: str


@dataclass(frozen=True)
class SlotInfo:
    name: str
    description: str
    max_length: int


@dataclass(frozen=True)
class TemplateInfo:
    id: str
    category: str
    title: str
    slots: tuple[SlotInfo, ...]

    def slot(self, name: str) -> SlotInfo | None:
        return next((s for s in self.slots if s.name == name), None)


@dataclass(frozen=True)
class Catalog:
    categories: tuple[CategoryInfo, ...]
    templates: tuple[TemplateInfo, ...]
    digest: str

    @property
    def category_ids(self) -> tuple[str, ...]:
        return tuple(c.id for c in self.categories)

    @property
    def template_ids(self) -> tuple[str, ...]:
        return tuple(t.id for t in self.templates)

    def template(self, template_id: str) -> TemplateInfo | None:
        return next((t for t in self.templates if t.id == template_id), None)

    def templates_for(self, category: str) -> tuple[TemplateInfo, ...]:
        return tuple(t for t in self.templates if t.category == category)

    def categories_in(self, ids: tuple[str, ...]) -> tuple[CategoryInfo, ...]:
        """These categories, in the order given; ids the taxonomy does not know are skipped."""
        known = {c.id: c for c in self.categories}
        return tuple(known[i] for i in ids if i in known)

    def candidates(self, ranked: Sequence[str], count: int) -> tuple[str, ...]:
        """The first `count` distinct taxonomy ids of a ranking (the classifier's top list)."""
        chosen: list[str] = []
        for category_id in ranked:
            if category_id in self.category_ids and category_id not in chosen:
                chosen.append(category_id)
        return tuple(chosen[: max(count, 1)])


def _slot(raw: dict[str, Any]) -> SlotInfo:
    return SlotInfo(
        name=str(raw["name"]),
        description=str(raw.get("description", "")),
        max_length=int(raw.get("max_length", 80)),
    )


def _template(raw: dict[str, Any]) -> TemplateInfo:
    slots = tuple(
        _slot(s)
        for s in raw.get("slots") or []
        if not str(s["name"]).endswith(LLM_SKIPPED_SLOT_SUFFIXES)
    )
    return TemplateInfo(
        id=str(raw["id"]), category=str(raw["category"]), title=str(raw["title"]), slots=slots
    )


@lru_cache(maxsize=4)
def load_catalog(labels_dir: Path) -> Catalog:
    taxonomy_doc, index_doc = labels.taxonomy(labels_dir), labels.templates_index(labels_dir)
    taxonomy, index = taxonomy_doc.data, index_doc.data
    categories = tuple(
        CategoryInfo(id=str(c["id"]), name=str(c["name"]), description=str(c["description"]))
        for c in taxonomy["categories"]
    )
    known = {c.id for c in categories}
    templates = tuple(_template(t) for t in index["templates"] if t["category"] in known)
    digest = hashlib.sha256(taxonomy_doc.raw + b"\0" + index_doc.raw).hexdigest()
    return Catalog(categories=categories, templates=templates, digest=digest)
