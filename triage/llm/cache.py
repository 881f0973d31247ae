"""Answer cache in the llm_cache table, keyed by sha256(prompt version, model, the messages sent,
which hold only redacted text and the classifier's candidate categories).

Only validated answers are stored, and a stored answer is validated again on the way out,
so a taxonomy change can never resurrect an answer that no longer fits the schema.
"""

from __future__ import annotations

import hashlib
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from triage.llm.models import LlmCacheEntry


def cache_key(prompt_version: str, model: str, asked: str) -> str:
    material = "\0".join((prompt_version, model, asked)).encode("utf-8")
    return hashlib.sha256(material).hexdigest()


def get(session: Session, key: str) -> LlmCacheEntry | None:
    return session.get(LlmCacheEntry, key)


def put(
    session: Session, key: str, response: dict[str, Any], tokens_in: int, tokens_out: int
) -> None:
    """Store an answer; a concurrent worker storing the same key first is fine."""
    try:
        with session.begin_nested():
            session.add(
                LlmCacheEntry(
                    key=key, response=response, tokens_in=tokens_in, tokens_out=tokens_out
                )
            )
    except IntegrityError:
        pass
