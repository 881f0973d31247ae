"""Prompt files under triage/llm/prompts/: loaded, versioned by content hash, rendered.

A prompt file holds the system text, a `---user---` line, then the user text. Placeholders are
{{candidates}} (the classifier's most likely categories with their descriptions), {{slots}}
(what each slot of their templates means, once per slot name: most templates share
merchant_name, amount, ...) and {{ticket}} (the redacted ticket text). The templates
themselves, with slot names and lengths, travel in the response schema.
"""

from __future__ import annotations

import base64
import hashlib
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from triage.llm.catalog import Catalog

PROMPTS_DIR = Path(__file__).resolve().parent / "prompts"
DEFAULT_PROMPT = "classify_v2"
USER_MARKER = "\n---user---\n"
TRUNCATED = " [truncated]"
# Ticket text must not be able to close or reopen the data block it is quoted in.
_DELIMITER = re.compile(r"<\s*/?\s*ticket\s*>", re.IGNORECASE)


@dataclass(frozen=True)
class Prompt:
    name: str
    version: str
    system: str
    user: str


def short_digest(data: bytes, length: int) -> str:
    """A sha256 digest in lowercase base32. The version is quoted in write-back notes, and hex
    can hold a 13-19 digit run that card scanners (Zendesk's redaction among them) would take
    for a card number; base32 has six digits in 32 symbols, so such a run is vanishingly rare."""
    encoded = base64.b32encode(hashlib.sha256(data).digest()).decode("ascii").lower()
    return encoded[:length]


@lru_cache(maxsize=8)
def load_prompt(name: str = DEFAULT_PROMPT) -> Prompt:
    raw = (PROMPTS_DIR / f"{name}.txt").read_text(encoding="utf-8")
    system, user = raw.split(USER_MARKER, 1)
    digest = short_digest(raw.encode("utf-8"), 16)
    return Prompt(name=name, version=f"{name}-{digest}", system=system.strip(), user=user.strip())


def version_for(prompt: Prompt, catalog: Catalog) -> str:
    """The prompt file's hash plus the catalog's: a taxonomy edit also changes what is asked."""
    return f"{prompt.version}.{short_digest(catalog.digest.encode('ascii'), 8)}"


def quote_ticket(text: str, max_chars: int) -> str:
    """The ticket as quoted data: delimiters defused, cut at max_chars (the start of a ticket
    says what it is about; long quoted threads only cost tokens)."""
    quoted = _DELIMITER.sub("[ticket marker removed]", text)
    if len(quoted) <= max_chars:
        return quoted
    return quoted[:max_chars].rstrip() + TRUNCATED


def _candidates_block(catalog: Catalog, candidates: tuple[str, ...]) -> str:
    return "\n".join(f"- {c.id}: {c.description}" for c in catalog.categories_in(candidates))


def _slots_block(catalog: Catalog, candidates: tuple[str, ...]) -> str:
    meanings: dict[str, str] = {}
    for category in candidates:
        for template in catalog.templates_for(category):
            for slot in template.slots:
                meanings.setdefault(slot.name, slot.description)
    return "\n".join(f"- {name}: {meaning}" for name, meaning in meanings.items()) or "- none"


def render_messages(
    prompt: Prompt,
    catalog: Catalog,
    candidates: tuple[str, ...],
    ticket_text: str,
    max_chars: int,
) -> list[dict[str, str]]:
    system = prompt.system.replace(
        "{{candidates}}", _candidates_block(catalog, candidates)
    ).replace("{{slots}}", _slots_block(catalog, candidates))
    user = prompt.user.replace("{{ticket}}", quote_ticket(ticket_text, max_chars))
    return [{"role": "system", "content": system}, {"role": "user", "content": user}]
