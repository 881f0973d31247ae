"""Model versions (artefacts stored in the database) and shadow predictions."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Column, Index, LargeBinary, text
from sqlmodel import Field, SQLModel

from triage.db.engine import utcnow


class VersionStatus(StrEnum):
    ACTIVE = "active"
    CANDIDATE = "candidate"
    RETIRED = "retired"


class ModelVersion(SQLModel, table=True):
    __tablename__ = "model_versions"
    # At most one active version, even when two promotions race.
    __table_args__ = (
        Index(
            "uq_model_versions_one_active",
            "status",
            unique=True,
            sqlite_where=text("status = 'active'"),
            postgresql_where=text("status = 'active'"),
        ),
    )

    id: str = Field(primary_key=True, max_length=64)
    status: str = Field(default=VersionStatus.CANDIDATE, max_length=20, index=True)
    artefact: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    artefact_format: str = Field(default="skops", max_length=20)
    sha256: str = Field(max_length=64)
    training_data_hash: str = Field(max_length=64)
    taxonomy_hash: str = Field(max_length=64)
    n_train: int = 0
    labels: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    metrics: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    thresholds: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    library_versions: dict[str, Any] = Field(
        default_factory=dict, sa_column=Column(JSON, nullable=False)
    )
    shadow: bool = False
    previous_active_id: str | None = Field(default=None, max_length=64)
    created_by: str | None = Field(default=None, max_length=120)
    notes: str | None = None
    created_at: datetime = Field(default_factory=utcnow)
    activated_at: datetime | None = None


class ShadowPrediction(SQLModel, table=True):
    __tablename__ = "shadow_predictions"

    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="tickets.id", index=True)
    model_version: str = Field(max_length=64, index=True)
    category: str = Field(max_length=64)
    confidence: float
    active_version: str | None = Field(default=None, max_length=64)
    active_category: str | None = Field(default=None, max_length=64)
    created_at: datetime = Field(default_factory=utcnow)
