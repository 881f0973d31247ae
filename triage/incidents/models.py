"""Incidents and the tickets they group. Written only by incidents.service; all text redacted.

Ticket and merchant counts and last-seen are read from the link table when shown, not kept on
the incident row: a ticket joining in its webhook request then writes one new row and never
waits for a lock on the incident's row behind every other request of the same spike.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from triage.db.engine import utcnow


class IncidentStatus(StrEnum):
    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"


ACTIVE = (IncidentStatus.OPEN, IncidentStatus.ACKNOWLEDGED)


class Incident(SQLModel, table=True):
    __tablename__ = "incidents"
    __table_args__ = (Index("ix_incidents_status_category", "status", "category"),)

    id: int | None = Field(default=None, primary_key=True)
    category: str = Field(max_length=64)
    cluster: str | None = Field(default=None, max_length=64)  # the shared code, date or host
    team: str | None = Field(default=None, max_length=64, index=True)
    title: str = Field(max_length=200)
    status: str = Field(default=IncidentStatus.OPEN, max_length=20)
    # The category while the incident is active, else NULL: two detections racing can never
    # open two active incidents for one category (NULLs do not collide in a unique index).
    active_key: str | None = Field(default=None, max_length=64, unique=True)
    first_seen: datetime
    opened_at: datetime = Field(default_factory=utcnow, index=True)
    observed: int = 0  # the window's count when it opened
    expected: float = 0.0  # the baseline's mean for that window
    p_value: float = 1.0
    acknowledged_by: str | None = Field(default=None, max_length=254)
    acknowledged_at: datetime | None = None
    resolved_by: str | None = Field(default=None, max_length=254)
    resolved_at: datetime | None = None
    answer_template_id: str | None = Field(default=None, max_length=120)
    answer_body: str | None = Field(default=None, sa_column=Column(Text))
    answer_approved_by: str | None = Field(default=None, max_length=254)
    answer_approved_at: datetime | None = None
    updated_at: datetime = Field(default_factory=utcnow)


class IncidentTicket(SQLModel, table=True):
    """A ticket's membership of an incident; a ticket belongs to one incident at most."""

    __tablename__ = "incident_tickets"
    __table_args__ = (
        UniqueConstraint("ticket_id"),
        Index("ix_incident_tickets_incident_merchant", "incident_id", "merchant"),
    )

    id: int | None = Field(default=None, primary_key=True)
    incident_id: int = Field(foreign_key="incidents.id")
    ticket_id: int = Field(foreign_key="tickets.id")
    merchant: str = Field(max_length=64)
    seen_at: datetime  # the ticket's arrival
    joined_at: datetime = Field(default_factory=utcnow)


class DuplicateBurst(SQLModel, table=True):
    """One merchant's flood of one category within one detection window: likely duplicates,
    discounted by detection and shown to analysts, never an incident on its own."""

    __tablename__ = "duplicate_bursts"
    __table_args__ = (UniqueConstraint("category", "merchant", "window_start"),)

    id: int | None = Field(default=None, primary_key=True)
    category: str = Field(max_length=64)
    merchant: str = Field(max_length=64)
    window_start: datetime = Field(index=True)
    ticket_count: int = 0
    created_at: datetime = Field(default_factory=utcnow)
