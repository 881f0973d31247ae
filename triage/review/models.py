"""Suggested replies awaiting an analyst, and analysts' category corrections."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Text
from sqlmodel import Field, SQLModel

from triage.db.engine import utcnow


class Reply(SQLModel, table=True):
    __tablename__ = "replies"

    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="tickets.id", index=True, unique=True)
    template_id: str | None = Field(default=None, max_length=120)
    body: str = Field(default="", sa_column=Column(Text, nullable=False))
    status: str = Field(default="draft", max_length=20)
    edited_by: str | None = Field(default=None, max_length=254)
    approved_by: str | None = Field(default=None, max_length=254)
    approved_at: datetime | None = None
    sent_at: datetime | None = None
    external_comment_id: str | None = Field(default=None, max_length=64)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class Correction(SQLModel, table=True):
    __tablename__ = "corrections"

    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="tickets.id", index=True)
    analyst: str = Field(max_length=254)
    old_category: str | None = Field(default=None, max_length=64)
    new_category: str = Field(max_length=64)
    confirmed: bool = False
    reason: str | None = None
    created_at: datetime = Field(default_factory=utcnow, index=True)
