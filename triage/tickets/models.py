"""Tickets, their comments, webhook deliveries and routing decisions. All text is redacted."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from triage.db.engine import utcnow


class Ticket(SQLModel, table=True):
    __tablename__ = "tickets"
    __table_args__ = (UniqueConstraint("source", "external_id"),)

    id: int | None = Field(default=None, primary_key=True)
    source: str = Field(max_length=20, index=True)
    external_id: str = Field(max_length=64)
    external_table: str | None = Field(default=None, max_length=80)
    external_number: str | None = Field(default=None, max_length=64)
    subject: str = Field(default="", sa_column=Column(Text, nullable=False))
    body: str = Field(default="", sa_column=Column(Text, nullable=False))
    requester_id: str | None = Field(default=None, max_length=64)
    organization_id: str | None = Field(default=None, max_length=64)
    tags: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    status: str = Field(default="new", max_length=20, index=True)
    category: str | None = Field(default=None, max_length=64, index=True)
    confidence: float | None = None
    route: str | None = Field(default=None, max_length=20)
    team: str | None = Field(default=None, max_length=64, index=True)
    priority: str | None = Field(default=None, max_length=20)
    model_version: str | None = Field(default=None, max_length=64)
    external_updated_at: str | None = Field(default=None, max_length=40)
    redaction_summary: dict[str, Any] = Field(
        default_factory=dict, sa_column=Column(JSON, nullable=False)
    )
    created_at: datetime = Field(default_factory=utcnow, index=True)
    updated_at: datetime = Field(default_factory=utcnow)


class Comment(SQLModel, table=True):
    __tablename__ = "comments"

    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="tickets.id", index=True)
    external_id: str | None = Field(default=None, max_length=64)
    author_id: str | None = Field(default=None, max_length=64)
    body: str = Field(default="", sa_column=Column(Text, nullable=False))
    public: bool = True
    created_at: datetime = Field(default_factory=utcnow)


class Delivery(SQLModel, table=True):
    __tablename__ = "deliveries"
    __table_args__ = (UniqueConstraint("source", "delivery_id"),)

    id: int | None = Field(default=None, primary_key=True)
    source: str = Field(max_length=20)
    delivery_id: str = Field(max_length=128)
    event_type: str = Field(max_length=80)
    ticket_id: int | None = Field(default=None, foreign_key="tickets.id", index=True)
    received_at: datetime = Field(default_factory=utcnow)


class Decision(SQLModel, table=True):
    """One routing decision with everything needed to explain it (promise 6)."""

    __tablename__ = "decisions"

    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="tickets.id", index=True)
    stage: str = Field(max_length=20)
    model_version: str | None = Field(default=None, max_length=64)
    prompt_version: str | None = Field(default=None, max_length=64)
    llm_model: str | None = Field(default=None, max_length=120)
    category: str | None = Field(default=None, max_length=64)
    confidence: float | None = None
    threshold: float | None = None
    route: str = Field(max_length=20)
    team: str | None = Field(default=None, max_length=64)
    template_id: str | None = Field(default=None, max_length=120)
    reasons: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    tokens_in: int = 0
    tokens_out: int = 0
    cost_usd: float = 0.0
    latency_ms: float = 0.0
    cache_hit: bool = False
    created_at: datetime = Field(default_factory=utcnow, index=True)
