"""Engine, sessions and the metadata naming convention shared by every table."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import MetaData, Table, bindparam, event, insert, update
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel, create_engine

from triage.config import get_settings

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
SQLModel.metadata = MetaData(naming_convention=NAMING_CONVENTION)
log = logging.getLogger(__name__)

MODEL_MODULES = (
    "triage.tickets.models",
    "triage.jobs.models",
    "triage.classify.models",
    "triage.llm.models",
    "triage.auth.models",
    "triage.audit.models",
    "triage.review.models",
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


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


@lru_cache(maxsize=8)
def engine_for(url: str) -> Engine:
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 10})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=10)


_SQLITE_WRITES = threading.Lock()


def _without_autocheckpoint(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA wal_autocheckpoint=0")
    cursor.close()


class WalCheckpointer:
    """Checkpoints a SQLite WAL from a thread of its own, so that no commit has to.

    By default the commit that takes the WAL past 1000 pages copies them back into the database
    and syncs it, about 10 ms during which every webhook waiting on the writer waits too. Here a
    PASSIVE checkpoint, which blocks nobody, copies the pages every `interval` seconds. Under
    steady writes that alone never lets the WAL start over (new frames land while it copies),
    so once the WAL holds `restart_frames` the few frames written meanwhile are copied again
    with this process's writers held back for that moment; the next write then starts the WAL
    from its beginning.
    """

    def __init__(self, engine: Engine, interval: float, restart_frames: int = 1000) -> None:
        self.engine = engine
        self.interval = interval
        self.restart_frames = restart_frames
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="triage-wal-checkpoint", daemon=True)

    def start(self) -> WalCheckpointer:
        event.listen(self.engine, "connect", _without_autocheckpoint)
        self.engine.dispose()  # pooled connections reopen without SQLite's own checkpoints
        self._thread.start()
        return self

    def checkpoint(self) -> tuple[int, int, int]:
        """(busy, frames in the WAL, frames copied back) as SQLite reports them."""
        with self.engine.connect() as conn:
            busy, frames, copied = conn.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)").one()
        return int(busy), int(frames), int(copied)

    def checkpoint_and_restart(self) -> tuple[int, int, int]:
        frames = self.checkpoint()
        if frames[1] < self.restart_frames:
            return frames
        with _SQLITE_WRITES:
            return self.checkpoint()

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self._safely(self.checkpoint_and_restart)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()
        event.remove(self.engine, "connect", _without_autocheckpoint)
        self._safely(self.checkpoint)
        self.engine.dispose()

    @staticmethod
    def _safely(checkpoint: Callable[[], tuple[int, int, int]]) -> None:
        try:
            checkpoint()
        except Exception as exc:  # a locked or vanished file: the next one will do
            log.warning("WAL checkpoint failed: %s", type(exc).__name__)


@contextmanager
def write_transaction_lock(engine: Engine) -> Iterator[None]:
    """Serialise this process's write transactions on SQLite (a no-op on PostgreSQL).

    SQLite allows one writer; contending threads otherwise wait in its busy handler, which
    sleeps in growing steps and turns a 2 ms insert into a 100 ms tail. A lock hands over at once.
    """
    if engine.dialect.name != "sqlite":
        yield
        return
    with _SQLITE_WRITES:
        yield


def _holds_sqlite_write(session: Session) -> bool:
    """True once the session's SQLite transaction has written (and so holds SQLite's lock).

    pysqlite opens its transaction with the first INSERT/UPDATE/DELETE, never with a SELECT,
    so an open transaction on the driver connection means a write already happened.
    """
    if not session.in_transaction():
        return False
    driver = session.connection().connection.dbapi_connection
    return bool(getattr(driver, "in_transaction", False))


@contextmanager
def session_write_lock(session: Session) -> Iterator[None]:
    """`write_transaction_lock` for a session that is about to write and commit.

    A session that has already written holds SQLite's own lock; waiting for the in-process one
    then could deadlock against a request that holds it and waits for SQLite's, so it goes on
    without (SQLite's busy handler orders it, as before).
    """
    engine = session.get_bind()
    assert isinstance(engine, Engine)
    if engine.dialect.name != "sqlite" or _holds_sqlite_write(session):
        yield
        return
    with _SQLITE_WRITES:
        yield


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
    with write_transaction_lock(get_engine()), session_scope() as session:
        yield session


def _table(model: type[SQLModel]) -> Table:
    return model.__table__  # type: ignore[attr-defined,no-any-return]


@lru_cache(maxsize=32)
def _insert_ignore_statement(dialect: str, table: Table, conflict: tuple[str, ...]) -> Any:
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert  # type: ignore[assignment]
    first_key = next(iter(table.primary_key.columns))
    # rowcount is -1 for this statement on psycopg; RETURNING says reliably whether a row went in.
    return insert(table).on_conflict_do_nothing(index_elements=list(conflict)).returning(first_key)


def insert_ignore_id(
    session: Session, model: type[SQLModel], values: dict[str, Any], conflict: list[str]
) -> int | None:
    """INSERT ... ON CONFLICT DO NOTHING on either dialect; the new row's id, None on conflict.

    Under concurrency PostgreSQL makes the second inserter wait for the first to commit, so the
    loser sees the winner's row afterwards: this is what keeps redelivered webhooks idempotent.
    The statement is built once per table (Core, values as parameters) so its compiled form is
    cached: this runs several times in every webhook request.
    """
    stmt = _insert_ignore_statement(session.get_bind().dialect.name, _table(model), tuple(conflict))
    row = session.connection().execute(stmt, values).first()
    return None if row is None else int(row[0])


@lru_cache(maxsize=32)
def _insert_statement(table: Table) -> Any:
    return insert(table).returning(next(iter(table.primary_key.columns)))


def insert_row(session: Session, model: type[SQLModel], values: dict[str, Any]) -> int:
    """One Core INSERT ... RETURNING id: no ORM object, no flush, a cached compiled statement.

    For hot paths only; `values` must name every NOT NULL column, since Python-side defaults
    of SQLModel fields (default_factory) do not apply to Core statements.
    """
    return int(session.connection().execute(_insert_statement(_table(model)), values).scalar_one())


@lru_cache(maxsize=32)
def _update_statement(table: Table) -> Any:
    key = next(iter(table.primary_key.columns))
    return update(table).where(key == bindparam("row_id"))


def update_row(
    session: Session, model: type[SQLModel], row_id: int, values: dict[str, Any]
) -> None:
    """UPDATE one row by primary key with Core; the columns set are the keys of `values`."""
    session.connection().execute(_update_statement(_table(model)), {**values, "row_id": row_id})
