"""A full disk answers 503 with Retry-After, never a 202 without the commit; the retry lands."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from psycopg import errors as pg_errors
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, select

from tests import signing
from triage.config import Settings
from triage.db.engine import engine_for
from triage.errors import database_full
from triage.main import create_app
from triage.tickets.models import Delivery, Ticket


def _cap_at_current_size(dbapi_connection: Any, _record: Any) -> None:
    # SQLite refuses to grow the file past max_page_count with SQLITE_FULL ("database or disk
    # is full"), exactly as it does when the disk itself is full.
    cursor = dbapi_connection.cursor()
    (pages,) = cursor.execute("PRAGMA page_count").fetchone()
    cursor.execute(f"PRAGMA max_page_count = {pages}")
    cursor.close()


@pytest.fixture
def database_url(sqlite_template: Path, tmp_path: Path) -> Iterator[str]:
    """SQLite only: the page cap is SQLite's. PostgreSQL's disk_full error maps the same way
    (test_postgresql_disk_full_is_recognised)."""
    target = tmp_path / "triage.db"
    shutil.copy(sqlite_template, target)
    url = f"sqlite:///{target}"
    yield url
    engine_for(url).dispose()


@pytest.fixture
def full_sqlite(settings: Settings) -> Iterator[Engine]:
    engine = engine_for(settings.database_url)
    engine.dispose()
    event.listen(engine, "connect", _cap_at_current_size)
    yield engine
    if event.contains(engine, "connect", _cap_at_current_size):
        event.remove(engine, "connect", _cap_at_current_size)
    engine.dispose()


def _free(engine: Engine) -> None:
    event.remove(engine, "connect", _cap_at_current_size)
    engine.dispose()


def test_full_disk_is_503_with_retry_after_and_nothing_half_written(
    full_sqlite: Engine, session: Session
) -> None:
    # A long description needs new pages: the write cannot fit in the file as it is.
    payload = signing.zendesk_event(31, "Payout missing", "Our payout is late. " * 5000, "d-31")
    body = signing.dumps(payload)
    with TestClient(create_app()) as client:
        answer = client.post(
            "/webhooks/zendesk", content=body, headers=signing.zendesk_headers(body)
        )
        assert answer.status_code == 503, answer.text
        assert int(answer.headers["retry-after"]) > 0
        assert answer.json()["error"] == "unavailable"
        assert session.exec(select(Ticket)).all() == []
        assert session.exec(select(Delivery)).all() == []
        _free(full_sqlite)
        retry = client.post(
            "/webhooks/zendesk", content=body, headers=signing.zendesk_headers(body)
        )
        assert retry.status_code == 202, retry.text
    session.expire_all()
    assert [t.external_id for t in session.exec(select(Ticket)).all()] == ["31"]


def test_postgresql_disk_full_is_recognised() -> None:
    full = OperationalError("INSERT", {}, pg_errors.DiskFull("could not extend file"))
    other = OperationalError("INSERT", {}, pg_errors.AdminShutdown("terminating connection"))
    assert database_full(full) and not database_full(other)
