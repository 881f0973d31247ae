"""Engine, sessions and the metadata naming convention shared by every table."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path

from sqlalchemy import MetaData, event
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel, create_engine

from triage.config import get_settings
from triage.db import sqlite

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
SQLModel.metadata = MetaData(naming_convention=NAMING_CONVENTION)

MODEL_MODULES = (
    "triage.tickets.models",
    "triage.jobs.models",
    "triage.classify.models",
    "triage.llm.models",
    "triage.auth.models",
    "triage.audit.models",
    "triage.incidents.models",
)


def utcnow() -> datetime:
    """Aware UTC: SQLModel's UTCDateTime refuses naive values and returns UTC on both databases."""
    return datetime.now(UTC)


def import_models() -> MetaData:
    """Import every table module so SQLModel.metadata is complete (Alembic and tests need it)."""
    import importlib

    for name in MODEL_MODULES:
        importlib.import_module(name)
    return SQLModel.metadata


@lru_cache(maxsize=8)
def engine_for(url: str) -> Engine:
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 10})
        event.listen(engine, "connect", sqlite.pragmas)
        return engine
    settings = get_settings()
    return create_engine(
        url,
        pool_pre_ping=True,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
        connect_args={"prepare_threshold": settings.db_prepare_threshold},
    )


@lru_cache(maxsize=8)
def writer_engine_for(url: str) -> Engine:
    """The engine of the ingest batch writer: on PostgreSQL a pool of its own without the
    checkout ping, a round trip per batch on the path every acknowledgement waits for. A dead
    connection fails its batch instead; SQLAlchemy then drops the pool's connections and the
    writer stores each event of that batch alone on a fresh one, so nothing is lost or
    acknowledged unwritten. On SQLite the one engine, so that the write lock stays one lock."""
    if url.startswith("sqlite"):
        return engine_for(url)
    settings = get_settings()
    return create_engine(
        url,
        pool_size=2,  # the writer thread's next batch, the committing thread's batch
        max_overflow=settings.db_max_overflow,
        connect_args={"prepare_threshold": settings.db_prepare_threshold},
    )


def get_engine() -> Engine:
    return engine_for(get_settings().database_url)


def get_session() -> Iterator[Session]:
    """FastAPI dependency: one session per request; the route commits, services only flush."""
    with Session(get_engine(), expire_on_commit=False) as session:
        yield session


@contextmanager
def session_scope() -> Iterator[Session]:
    """A unit of work outside a request (jobs, CLI): commit on success, roll back on error."""
    with Session(get_engine(), expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


@contextmanager
def write_scope() -> Iterator[Session]:
    """`session_scope` for a short write transaction under `write_transaction_lock`.

    Never wrap network calls in it: every webhook request waits for this lock on SQLite.
    """
    with sqlite.write_transaction_lock(get_engine()), session_scope() as session:
        yield session
