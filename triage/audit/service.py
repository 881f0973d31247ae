"""Reading the audit log: the filtered, newest-first query and its CSV export."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from triage.audit.models import AuditEvent

CSV_COLUMNS = ("id", "at", "actor", "action", "ticket_id", "before", "after", "detail")
# Spreadsheet programs run cells that start with these as formulas (CSV injection).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class AuditFilter:
    """Which events to read; an empty actor or action filters nothing."""

    ticket_id: int | None = None
    actor: str | None = None
    action: str | None = None


def query_events(
    session: Session,
    flt: AuditFilter,
    before_id: int | None = None,
    limit: int | None = 100,
) -> list[AuditEvent]:
    """Newest first; page backwards with before_id (stable while new rows are appended)."""
    query = select(AuditEvent)
    if flt.ticket_id is not None:
        query = query.where(AuditEvent.ticket_id == flt.ticket_id)
    if flt.actor:
        query = query.where(AuditEvent.actor == flt.actor)
    if flt.action:
        query = query.where(AuditEvent.action == flt.action)
    if before_id is not None:
        query = query.where(col(AuditEvent.id) < before_id)
    query = query.order_by(col(AuditEvent.id).desc())
    return list(session.exec(query.limit(limit) if limit else query))


def actions(session: Session) -> list[str]:
    """The actions that occur in the log, for the page's filter."""
    query = select(AuditEvent.action).distinct().order_by(col(AuditEvent.action))
    return [str(a) for a in session.exec(query)]


def csv_cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool | int | float):
        return str(value)
    text = json.dumps(value, sort_keys=True) if isinstance(value, dict | list) else str(value)
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def csv_lines(rows: list[AuditEvent]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    for row in rows:
        values = [getattr(row, name) for name in CSV_COLUMNS]
        writer.writerow([v.isoformat() if isinstance(v, datetime) else csv_cell(v) for v in values])
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    yield buffer.getvalue()
