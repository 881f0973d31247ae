"""Day buckets that mean the same thing on SQLite and PostgreSQL: the UTC calendar day."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func
from sqlmodel import Session

from triage.db.engine import utcnow


def day_of(session: Session, column: Any) -> Any:
    """SQL expression for the UTC day ('YYYY-MM-DD') of a timestamp column."""
    if session.get_bind().dialect.name == "postgresql":
        return func.to_char(func.timezone("UTC", column), "YYYY-MM-DD")
    # SQLite stores UTCDateTime as ISO text in UTC: 'YYYY-MM-DD HH:MM:SS.ffffff'.
    return func.substr(column, 1, 10)


def days(count: int, now: datetime | None = None) -> tuple[datetime, list[str]]:
    """The start of the first of the last `count` UTC days, and the days' labels, oldest first."""
    now = now or utcnow()
    first = (now - timedelta(days=count - 1)).replace(hour=0, minute=0, second=0, microsecond=0)
    return first, [(first + timedelta(days=i)).date().isoformat() for i in range(count)]


def week_of(day: str) -> str:
    """The Monday (ISO week start) of a 'YYYY-MM-DD' day."""
    value = date.fromisoformat(day)
    return (value - timedelta(days=value.weekday())).isoformat()


def weeks(count: int, now: datetime | None = None) -> tuple[datetime, list[str]]:
    """The start of the first of the last `count` ISO weeks, and their Mondays, oldest first."""
    now = now or utcnow()
    monday = now.replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(days=now.weekday())
    first = monday - timedelta(weeks=count - 1)
    return first, [(first + timedelta(weeks=i)).date().isoformat() for i in range(count)]


def series(labels: list[str], values: dict[str, float]) -> list[float]:
    return [values.get(label, 0) for label in labels]


def ratio(part: float, whole: float) -> float | None:
    return round(part / whole, 4) if whole else None
