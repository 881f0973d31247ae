"""The schema comes from the migrations, and the migrations match the models."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from triage import migrate
from triage.db.engine import engine_for, import_models


def test_migrations_reach_head(database_url: str) -> None:
    assert migrate.at_head(engine_for(database_url))


def test_models_and_migrations_agree(database_url: str) -> None:
    metadata = import_models()
    with engine_for(database_url).connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    assert diff == [], f"models and migrations disagree: {diff}"
