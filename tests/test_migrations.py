"""The schema comes from the migrations, and the migrations match the models."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text

from triage import migrate
from triage.db.engine import engine_for, import_models, utcnow


def test_migrations_reach_head(database_url: str) -> None:
    assert migrate.at_head(engine_for(database_url))


def test_models_and_migrations_agree(database_url: str) -> None:
    metadata = import_models()
    with engine_for(database_url).connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    assert diff == [], f"models and migrations disagree: {diff}"


def test_queued_jobs_keep_running_under_namespaced_kinds(database_url: str) -> None:
    config = migrate.alembic_config(database_url)
    command.downgrade(config, "0001")
    engine = engine_for(database_url)
    rows = [("writeback", "writeback:7"), ("send_reply", "send_reply:3"), ("other", "x:1")]
    with engine.begin() as conn:
        for kind, key in rows:
            conn.execute(
                text(
                    "INSERT INTO jobs (kind, payload, dedupe_key, status, attempts, max_attempts,"
                    " run_at, result, created_at, updated_at)"
                    " VALUES (:kind, '{}', :key, 'queued', 0, 6, :now, '{}', :now, :now)"
                ),
                {"kind": kind, "key": key, "now": utcnow()},
            )
    command.upgrade(config, "head")
    with engine.connect() as conn:
        renamed = conn.execute(text("SELECT kind, dedupe_key FROM jobs ORDER BY id")).all()
    assert [tuple(row) for row in renamed] == [
        ("writeback.note", "writeback.note:7"),
        ("review.send_reply", "review.send_reply:3"),
        ("other", "x:1"),
    ]
