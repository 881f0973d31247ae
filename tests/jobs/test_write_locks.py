"""The worker's write transactions queue behind the webhook's in-process lock on SQLite, but a
session that has already written never waits for it (that could deadlock against a request)."""

from __future__ import annotations

import threading

from sqlmodel import Session, select

from triage.db import engine as db
from triage.db import sqlite as sqlite_db
from triage.jobs import queue
from triage.jobs.models import Job


def _write(session: Session, key: str) -> None:
    queue.enqueue_id(session, "writeback.note", ticket_id=None, payload={}, dedupe_key=key)


def test_a_session_that_only_read_takes_the_lock_to_write(session: Session) -> None:
    session.exec(select(Job)).all()
    on_sqlite = session.get_bind().dialect.name == "sqlite"
    with sqlite_db.session_write_lock(session):
        assert sqlite_db._SQLITE_WRITES.locked() is on_sqlite
        _write(session, "read-then-write")
        session.commit()
    assert not sqlite_db._SQLITE_WRITES.locked()


def test_a_session_that_already_wrote_goes_ahead_while_a_request_holds_the_lock(
    session: Session,
) -> None:
    _write(session, "written-first")
    finished = threading.Event()

    def complete() -> None:
        with sqlite_db.session_write_lock(session):
            session.commit()
        finished.set()

    with sqlite_db.write_transaction_lock(session.get_bind()):  # type: ignore[arg-type]
        thread = threading.Thread(target=complete)
        thread.start()
        thread.join(timeout=30)
        assert finished.is_set()  # inside: the commit did not need the lock the request holds
    assert session.exec(select(Job.dedupe_key)).all() == ["written-first"]


def test_write_scope_commits_under_the_lock(session: Session) -> None:
    with db.write_scope() as scoped:
        assert sqlite_db._SQLITE_WRITES.locked() is (scoped.get_bind().dialect.name == "sqlite")
        _write(scoped, "scoped")
    assert session.exec(select(Job.dedupe_key)).all() == ["scoped"]
