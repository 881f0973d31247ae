"""The PostgreSQL pool per process is set by operators: size, overflow, statement preparation."""

import os

import pytest
from sqlalchemy import text

from triage.config import get_settings
from triage.db.engine import engine_for

pytestmark = [
    pytest.mark.skipif(
        not os.environ.get("TRIAGE_TEST_DATABASE_URL"), reason="needs TRIAGE_TEST_DATABASE_URL"
    ),
    pytest.mark.parametrize("database_url", ["postgresql"], indirect=True),
]


def _prepared_after_ten_runs(url: str) -> tuple[int, tuple[int, int]]:
    # A URL of its own, so that the engine is built with these settings and not taken from cache.
    engine = engine_for(url + "?application_name=pool-settings-test")
    try:
        with engine.connect() as conn:
            for _ in range(10):  # past psycopg's default threshold of 5
                conn.execute(text("SELECT 1 + 1")).one()
            count = conn.execute(text("SELECT count(*) FROM pg_prepared_statements")).scalar_one()
        return int(count), (engine.pool.size(), engine.pool._max_overflow)  # type: ignore[attr-defined]
    finally:
        engine.dispose()


def test_pool_size_overflow_and_no_prepared_statements_for_pgbouncer(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRIAGE_DB_POOL_SIZE", "3")
    monkeypatch.setenv("TRIAGE_DB_MAX_OVERFLOW", "1")
    monkeypatch.setenv("TRIAGE_DB_PREPARE_THRESHOLD", "none")
    get_settings.cache_clear()
    assert _prepared_after_ten_runs(database_url) == (0, (3, 1))


def test_by_default_psycopg_prepares_what_runs_often(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TRIAGE_DB_PREPARE_THRESHOLD", raising=False)
    get_settings.cache_clear()
    prepared, pool = _prepared_after_ten_runs(database_url)
    assert prepared >= 1 and pool == (10, 10)
