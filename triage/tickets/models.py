"""Tickets and what hangs off them: comments, webhook deliveries, routing decisions, analysts'
corrections and the suggested reply; and the event both webhook sources are parsed into. All
stored text is redacted. Each table has one writing module: tickets.service (tickets, comments,
deliveries), routing.service (decisions), review.service (corrections), review.replies (replies).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Literal

from sqlalchemy import JSON, Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from triage.db.engine import utcnow


class TicketStatus(StrEnum):
    NEW = "new"
    LLM_PENDING = "llm_pending"
    IN_REVIEW = "in_review"
    AUTO_ROUTED = "auto_routed"
    REVIEWED = "reviewed"


@dataclass(frozen=True)
class TicketEvent:
    """One delivery as parsed from either source. Raw instances live only inside the request;
    what is stored comes from `flows.redact`."""

    source: str
    delivery_id: str
    kind: Literal["created", "comment"]
    external_id: str
    subject: str = ""
    body: str = ""
    comment: str | None = None
    comment_id: str | None = None
    comment_public: bool = True
    author_id: str | None = None
    requester_id: str | None = None
    organization_id: str | None = None
    tags: tuple[str, ...] = ()
    external_table: str | None = None
    external_number: str | None = None
    updated_at: str | None = None
    summary: dict[str, Any] = field(default_factory=dict)


class Ticket(SQLModel, table=True):
    __tablename__ = "tickets"
    __table_args__ = (UniqueConstraint("source", "external_id"),)

    id: int | None = Field(default=None, primary_key=True)
    # No index of its own: the unique (source, external_id) index leads with it.
    source: str = Field(max_length=20)
    external_id: str = Field(max_length=64)
    external_table: str | None = Field(default=None, max_length=80)
    external_number: str | None = Field(default=None, max_length=64)
    subject: str = Field(default="", sa_column=Column(Text, nullable=False))
    body: str = Field(default="", sa_column=Column(Text, nullable=False))
    requester_id: str | None = Field(default=None, max_length=64)
    organization_id: str | None = Field(default=None, max_length=64)
    tags: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    status: str = Field(default=TicketStatus.NEW, max_length=20, index=True)
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


class Correction(SQLModel, table=True):
    """An analyst's verdict on a ticket's category (confirmed or corrected); written by review,
    read by training and reporting."""

    __tablename__ = "corrections"

    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="tickets.id", index=True)
    analyst: str = Field(max_length=254)
    old_category: str | None = Field(default=None, max_length=64)
    new_category: str = Field(max_length=64)
    confirmed: bool = False
    reason: str | None = None
    created_at: datetime = Field(default_factory=utcnow, index=True)


class ReplyStatus(StrEnum):
    DRAFT = "draft"
    APPROVED = "approved"
    SENT = "sent"
    # The send job went dead: the ticket is back in its team's queue with the reason.
    SEND_FAILED = "send_failed"


class Reply(SQLModel, table=True):
    __tablename__ = "replies"

    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="tickets.id", index=True, unique=True)
    template_id: str | None = Field(default=None, max_length=120)
    body: str = Field(default="", sa_column=Column(Text, nullable=False))
    status: str = Field(default=ReplyStatus.DRAFT, max_length=20)
    edited_by: str | None = Field(default=None, max_length=254)
    approved_by: str | None = Field(default=None, max_length=254)
    approved_at: datetime | None = None
    sent_at: datetime | None = None
    external_comment_id: str | None = Field(default=None, max_length=64)
    language: str | None = Field(default=None, max_length=8)
    detected_language: str | None = Field(default=None, max_length=8)
    send_error: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
