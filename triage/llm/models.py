"""LLM usage (cost accounting per team) and the response cache."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from triage.db.engine import utcnow


class LlmCall(SQLModel, table=True):
    __tablename__ = "llm_calls"

    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int | None = Field(default=None, foreign_key="tickets.id", index=True)
    team: str = Field(max_length=64, index=True)
    model: str = Field(max_length=120)
    prompt_version: str = Field(max_length=64)
    tokens_in: int = 0
    tokens_out: int = 0
    cost_usd: float = 0.0
    latency_ms: float = 0.0
    cache_hit: bool = False
    outcome: str = Field(max_length=40)
    reason: str | None = None
    created_at: datetime = Field(default_factory=utcnow, index=True)


class LlmCacheEntry(SQLModel, table=True):
    __tablename__ = "llm_cache"

    key: str = Field(primary_key=True, max_length=64)
    response: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    tokens_in: int = 0
    tokens_out: int = 0
    created_at: datetime = Field(default_factory=utcnow)
