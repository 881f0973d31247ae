"""Prompt files under triage/llm/prompts/: loaded, versioned by content hash, rendered.

A prompt file holds the system text, a `---user---` line, then the user text. Placeholders are
{{categories}}, {{templates}} (from the catalog) and {{ticket}} (the redacted ticket text).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from triage.llm.catalog import Catalog

PROMPTS_DIR = Path(__file__).resolve().parent / "prompts"
DEFAULT_PROMPT = "classify_v1"
USER_MARKER = "\n---user---\n"
# Ticket text must not be able to close or reopen the data block it is quoted in.
_DELIMITER = re.compile(r"<\s*/?\s*ticket\s*>", re.IGNORECASE)


@dataclass(frozen=True)
class Prompt:
    name: str
    version: str
    system: str
    user: str


@lru_cache(maxsize=8)
def load_prompt(name: str = DEFAULT_PROMPT) -> Prompt:
    raw = (PROMPTS_DIR / f"{name}.txt").read_text(encoding="utf-8")
    system, user = raw.split(USER_MARKER, 1)
    digest = hashlib.sha256(raw.encode("utf-8")).hexdigest()[:16]
    return Prompt(name=name, version=f"{name}-{digest}", system=system.strip(), user=user.strip())


def version_for(prompt: Prompt, catalog: Catalog) -> str:
    """The prompt file's hash plus the catalog's: a taxonomy edit also changes what is asked."""
    return f"{prompt.version}.{catalog.digest[:8]}"


def quote_ticket(text: str) -> str:
    return _DELIMITER.sub("[ticket marker removed]", text)


def _categories_block(catalog: Catalog) -> str:
    return "\n".join(f"- {c.id}: {c.description}" for c in catalog.categories)


def _templates_block(catalog: Catalog) -> str:
    lines: list[str] = []
    for category in catalog.categories:
        lines.append(f"{category.id}:")
        for template in catalog.templates_for(category.id):
            slots = "; ".join(f"{s.name} ({s.max_length}): {s.description}" for s in template.slots)
            lines.append(f"  - {template.id}: {template.title}. Slots: {slots or 'none'}")
    return "\n".join(lines)


def render_messages(prompt: Prompt, catalog: Catalog, ticket_text: str) -> list[dict[str, str]]:
    system = prompt.system.replace("{{categories}}", _categories_block(catalog)).replace(
        "{{templates}}", _templates_block(catalog)
    )
    user = prompt.user.replace("{{ticket}}", quote_ticket(ticket_text))
    return [{"role": "system", "content": system}, {"role": "user", "content": user}]
