"""Users with a role and teams; API tokens are stored only as hashes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from triage.db.engine import utcnow

ROLES = ("analyst", "lead", "admin")


class User(SQLModel, table=True):
    __tablename__ = "users"

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=254, unique=True)
    role: str = Field(max_length=20)
    teams: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    token_hash: str = Field(max_length=64, unique=True)
    active: bool = True
    # Session cookies issued before this moment (epoch seconds) are refused: sign-out, a role
    # change or disabling the user sets it (auth.service.end_sessions).
    sessions_revoked_at: float = Field(default=0.0, sa_column_kwargs={"server_default": "0"})
    created_at: datetime = Field(default_factory=utcnow)
