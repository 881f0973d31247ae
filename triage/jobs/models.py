"""Durable jobs, written in the same transaction as the ticket that needs them."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Column, Index, Text
from sqlmodel import Field, SQLModel

from triage.db.engine import utcnow


class JobStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    DEAD = "dead"


class TaskKind(StrEnum):
    """Durable tasks, namespaced by the domain whose `tasks.py` handles them."""

    WRITEBACK_NOTE = "writeback.note"
    LLM_FALLBACK = "llm.fallback"
    CLASSIFY_TRAIN = "classify.train"
    REVIEW_SEND_REPLY = "review.send_reply"

    @property
    def module(self) -> str:
        """The module that registers this kind's handler."""
        return f"triage.{self.value.split('.', 1)[0]}.tasks"


class Job(SQLModel, table=True):
    __tablename__ = "jobs"
    __table_args__ = (Index("ix_jobs_claim", "status", "run_at"),)

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=40)
    ticket_id: int | None = Field(default=None, foreign_key="tickets.id", index=True)
    payload: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    dedupe_key: str = Field(max_length=200, unique=True)
    status: str = Field(default=JobStatus.QUEUED, max_length=20)
    attempts: int = 0
    max_attempts: int = 6
    run_at: datetime = Field(default_factory=utcnow)
    lease_owner: str | None = Field(default=None, max_length=120)
    lease_expires_at: datetime | None = None
    last_error: str | None = Field(default=None, sa_column=Column(Text))
    result: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    finished_at: datetime | None = None
