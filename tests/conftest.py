"""Shared fixtures: a fresh, migrated database per test on SQLite and (when configured) PostgreSQL.

The schema is built once per session through the Alembic migrations into a template (a SQLite
file, a PostgreSQL template database); each test gets its own copy, so tests stay isolated and fast.
Set TRIAGE_TEST_DATABASE_URL (e.g. postgresql://postgres@127.0.0.1:5432/postgres) to add PostgreSQL.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlmodel import Session

from triage import migrate
from triage.config import Settings, get_settings
from triage.db.engine import engine_for, writer_engine_for

PG_ADMIN_URL = os.environ.get("TRIAGE_TEST_DATABASE_URL", "")
# The real-model tests are opt-in (`make test-llm` starts the model and sets this); without it
# they are not collected at all rather than reported as skipped.
collect_ignore = [] if os.environ.get("TRIAGE_REAL_LLM_URL") else ["llm_real"]
BACKENDS = ["sqlite"] + (["postgresql"] if PG_ADMIN_URL else [])
PG_TEMPLATE = f"triage_tpl_{os.getpid()}"


def _pg_url(database: str) -> str:
    url = make_url(PG_ADMIN_URL.replace("postgresql://", "postgresql+psycopg://", 1))
    return url.set(database=database).render_as_string(hide_password=False)


def _pg_admin(statement: str) -> None:
    engine = create_engine(_pg_url(make_url(PG_ADMIN_URL).database or "postgres"))
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text(statement))
    engine.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("tpl") / "template.db"
    migrate.upgrade(f"sqlite:///{path}")
    engine_for(f"sqlite:///{path}").dispose()
    return path


@pytest.fixture(scope="session")
def pg_template() -> Iterator[str]:
    _pg_admin(f"DROP DATABASE IF EXISTS {PG_TEMPLATE} WITH (FORCE)")
    _pg_admin(f"CREATE DATABASE {PG_TEMPLATE}")
    url = _pg_url(PG_TEMPLATE)
    migrate.upgrade(url)
    engine_for(url).dispose()
    engine_for.cache_clear()
    yield PG_TEMPLATE
    _pg_admin(f"DROP DATABASE IF EXISTS {PG_TEMPLATE} WITH (FORCE)")


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh migrated database for one test; yields its SQLAlchemy URL."""
    if request.param == "sqlite":
        target = tmp_path / "triage.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), target)
        url = f"sqlite:///{target}"
        yield url
        engine_for(url).dispose()
        return
    template = request.getfixturevalue("pg_template")
    name = f"triage_t_{uuid.uuid4().hex[:12]}"
    _pg_admin(f"CREATE DATABASE {name} TEMPLATE {template}")
    url = _pg_url(name)
    yield url
    engine_for(url).dispose()
    writer_engine_for(url).dispose()
    _pg_admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture
def settings(
    database_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> Iterator[Settings]:
    """Settings for a test, set the way an operator would: through TRIAGE_ environment variables."""
    for key in list(os.environ):
        if key.startswith("TRIAGE_") and key != "TRIAGE_TEST_DATABASE_URL":
            monkeypatch.delenv(key)
    monkeypatch.setenv("TRIAGE_DATABASE_URL", database_url)
    monkeypatch.setenv("TRIAGE_ZENDESK_WEBHOOK_SECRET", "zd-test-secret")
    monkeypatch.setenv("TRIAGE_SERVICENOW_WEBHOOK_SECRET", "sn-test-secret")
    monkeypatch.setenv("TRIAGE_SESSION_SECRET", "s" * 40)
    monkeypatch.setenv("TRIAGE_RUN_WORKER_IN_PROCESS", "false")
    get_settings.cache_clear()
    yield get_settings()
    get_settings.cache_clear()


@pytest.fixture
def session(settings: Settings) -> Iterator[Session]:
    with Session(engine_for(settings.database_url), expire_on_commit=False) as s:
        yield s


@pytest.fixture(scope="session")
def merchant_model() -> tuple[Any, str]:
    """The classifier trained once per session on labels/data, as `make run` trains it."""
    from triage.classify import data, train

    labels_dir = Path(__file__).resolve().parent.parent / "labels"
    taxonomy = labels_dir / "taxonomy.yaml"
    categories = data.load_taxonomy(taxonomy)
    model = train.train(
        data.load_files(data.label_files(labels_dir)),
        target_precision=0.95,
        min_examples=20,
        categories=categories,
    )
    return model, data.taxonomy_hash(taxonomy, categories)


@pytest.fixture
def active_model(session: Session, merchant_model: tuple[Any, str]) -> str:
    """Register and activate the session's merchant model in this test's database."""
    from triage.classify import registry

    model, taxonomy_hash = merchant_model
    row = registry.register(session, model, taxonomy_hash=taxonomy_hash, created_by="test")
    registry.activate(session, row.id, "test")
    session.commit()
    return row.id
