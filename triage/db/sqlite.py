"""SQLite specifics: connection pragmas, the in-process write lock, the WAL checkpointer."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import Session

log = logging.getLogger(__name__)


def pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


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
