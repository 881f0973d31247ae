"""Durable jobs, written in the same transaction as the ticket that needs them."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Column, Index, Text, literal_column, text
from sqlmodel import Field, SQLModel, col

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
    INCIDENTS_DETECT = "incidents.detect"
    INCIDENTS_NOTE = "incidents.note"
    INCIDENTS_NOTIFY = "incidents.notify"

    @property
    def module(self) -> str:
        """The module that registers this kind's handler."""
        return f"triage.{self.value.split('.', 1)[0]}.tasks"


def _only(status: JobStatus) -> dict[str, Any]:
    """The partial-index predicate for one status, on both databases."""
    where = text(f"status = '{status.value}'")
    return {"postgresql_where": where, "sqlite_where": where}


class Job(SQLModel, table=True):
    __tablename__ = "jobs"
    # Partial: a queue's indexes hold only the few rows still waiting or leased (and the dead,
    # which ops lists), not every job ever done, so claims and completions stay cheap however
    # long the history grows.
    __table_args__ = (
        Index("ix_jobs_queued", "run_at", **_only(JobStatus.QUEUED)),
        Index("ix_jobs_leased", "lease_expires_at", **_only(JobStatus.RUNNING)),
        Index("ix_jobs_dead", "updated_at", **_only(JobStatus.DEAD)),
    )

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


def has_status(status: JobStatus) -> Any:
    """`jobs.status = '<status>'` with the status written into the SQL, not bound: only then can
    either database see that a query lies within a partial index of that status."""
    return col(Job.status) == literal_column(f"'{status.value}'")
