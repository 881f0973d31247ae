"""The batch writer: deliveries that arrive together share a transaction, and one bad event
never takes the others with it."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from prometheus_client import REGISTRY
from sqlalchemy import event, text
from sqlalchemy.engine import Engine
from sqlmodel import Session, func, select

from triage import flows
from triage.config import Settings, get_settings
from triage.db.engine import engine_for, writer_engine_for
from triage.db.sqlite import WalCheckpointer, write_transaction_lock
from triage.tickets.models import Comment, Delivery, Ticket, TicketEvent
from triage.webhooks.writer import BatchWriter


def _created(n: int, delivery: str | None = None) -> TicketEvent:
    return flows.redact(
        TicketEvent(
            source="zendesk",
            delivery_id=delivery or f"d-{n}",
            kind="created",
            external_id=str(n),
            subject="Payout missing",
            body=f"Payout for order {n} has not arrived, card 4111 1111 1111 1111.",
        )
    )


def _comment(n: int, delivery: str) -> TicketEvent:
    return flows.redact(
        TicketEvent(
            source="zendesk",
            delivery_id=delivery,
            kind="comment",
            external_id=str(n),
            comment="Any news? It has been four days.",
            comment_id=f"c-{delivery}",
        )
    )


async def _store_all(
    writer: BatchWriter, url: str, events: list[TicketEvent]
) -> list[flows.IngestResult | BaseException]:
    return await asyncio.gather(*(writer.store(url, e) for e in events), return_exceptions=True)


def test_a_batch_keeps_each_event_s_own_outcome(settings: Settings, session: Session) -> None:
    events = [_created(1), _created(2), _created(1, "d-1"), _comment(1, "d-c1"), _created(3)]
    results = asyncio.run(_store_all(BatchWriter(), settings.database_url, events))

    assert not any(isinstance(r, BaseException) for r in results)
    ok = [r for r in results if isinstance(r, flows.IngestResult)]
    assert [r.duplicate for r in ok] == [False, False, True, False, False]
    assert ok[0].ticket_id == ok[2].ticket_id == ok[3].ticket_id
    assert session.exec(select(func.count()).select_from(Ticket)).one() == 3
    assert session.exec(select(func.count()).select_from(Delivery)).one() == 4
    assert session.exec(select(func.count()).select_from(Comment)).one() == 1
    bodies = session.exec(select(Ticket.body)).all()
    assert bodies and all("4111" not in b for b in bodies)


async def _all_handed(writer: BatchWriter, n: int) -> None:
    """Return once all n stores have handed their event over (each does so on its first turn
    of the event loop): the writer then holds them all, waiting on the write lock we hold."""
    while writer.handed() < n:
        await asyncio.sleep(0)


def _accepted_so_far() -> float:
    labels = {"source": "zendesk", "outcome": "accepted"}
    return REGISTRY.get_sample_value("triage_webhook_deliveries_total", labels) or 0.0


def test_one_bad_event_fails_alone(settings: Settings, session: Session) -> None:
    # Tags are stored as JSON; an object that is not JSON fails inside the INSERT, as a bug
    # in a parser would, after the good events of the batch were already written.
    bad: Any = TicketEvent(source="zendesk", delivery_id="bad", kind="created", external_id="9")
    bad = TicketEvent(**{**bad.__dict__, "tags": (object(),)})
    # Bad last: whatever batch it lands in, a good event was written there before it failed.
    events = [_created(1), _created(2), bad]
    accepted_before = _accepted_so_far()
    writer = BatchWriter()
    engine = writer_engine_for(settings.database_url)
    outcomes: list[str] = []
    event.listen(engine, "commit", lambda _conn: outcomes.append("commit"))
    event.listen(engine, "rollback", lambda _conn: outcomes.append("rollback"))

    async def together() -> list[flows.IngestResult | BaseException]:
        # Held back by the write lock (SQLite), the three arrive in one batch that fails.
        with write_transaction_lock(engine):
            pending = asyncio.gather(
                *(writer.store(settings.database_url, e) for e in events), return_exceptions=True
            )
            await _all_handed(writer, len(events))
        return await pending

    results = asyncio.run(together())

    assert isinstance(results[0], flows.IngestResult)
    assert isinstance(results[1], flows.IngestResult)
    assert isinstance(results[2], Exception)
    stored = session.exec(select(Ticket.external_id).order_by(Ticket.external_id)).all()
    assert stored == ["1", "2"]
    # Counted once each, after their own commits, not for the batch that was rolled back.
    assert _accepted_so_far() - accepted_before == 2
    # The batch holding the bad event was tried whole and rolled back, then the bad event alone:
    # two rollbacks. Writing each event on its own from the start would roll back only once.
    assert sorted(outcomes) == ["commit", "commit", "rollback", "rollback"]


def test_a_dead_connection_costs_a_retry_not_a_delivery(
    settings: Settings, session: Session
) -> None:
    # The writer's pool skips the checkout ping; a connection that died since its last batch
    # (a database restart, a proxy closing it) must fail only that attempt.
    writer = BatchWriter()
    first = asyncio.run(_store_all(writer, settings.database_url, [_created(1)]))
    assert isinstance(first[0], flows.IngestResult)
    if session.get_bind().dialect.name == "postgresql":
        killed = session.execute(
            text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        ).scalar_one()
        assert killed >= 1  # the writer's pooled connection, at least
    second = asyncio.run(_store_all(writer, settings.database_url, [_created(2), _created(3)]))

    assert all(isinstance(r, flows.IngestResult) and not r.duplicate for r in second)
    stored = session.exec(select(Ticket.external_id).order_by(Ticket.external_id)).all()
    assert stored == ["1", "2", "3"]


@pytest.fixture
def sqlite_url(
    sqlite_template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[str]:
    target = tmp_path / "triage.db"
    shutil.copy(sqlite_template, target)
    url = f"sqlite:///{target}"
    monkeypatch.setenv("TRIAGE_DATABASE_URL", url)
    monkeypatch.setenv("TRIAGE_RUN_WORKER_IN_PROCESS", "false")
    get_settings.cache_clear()
    yield url
    engine_for(url).dispose()
    get_settings.cache_clear()


def test_requests_waiting_on_sqlite_share_one_commit(sqlite_url: str) -> None:
    engine = engine_for(sqlite_url)
    commits: list[int] = []
    event.listen(engine, "commit", lambda _conn: commits.append(1))
    writer = BatchWriter()

    async def burst() -> list[flows.IngestResult | BaseException]:
        # While something else holds the write lock the writer can only queue what arrives.
        with write_transaction_lock(engine):
            pending = asyncio.gather(
                *(writer.store(sqlite_url, _created(n)) for n in range(20)),
                return_exceptions=True,
            )
            await _all_handed(writer, 20)
        return await pending

    results = asyncio.run(burst())
    assert all(isinstance(r, flows.IngestResult) and not r.duplicate for r in results)
    # The first event may already be in hand when the lock is taken; the rest go in together.
    assert 1 <= len(commits) <= 2
    with Session(engine) as session:
        assert session.exec(select(func.count()).select_from(Ticket)).one() == 20


def test_wal_checkpoints_move_off_the_commit_path(sqlite_url: str) -> None:
    engine = engine_for(sqlite_url)
    checkpointer = WalCheckpointer(engine, interval=3600, restart_frames=1).start()
    try:
        with engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == 0
        writer = BatchWriter()
        for n in range(5):  # five commits, each appending its pages to the WAL
            asyncio.run(_store_all(writer, sqlite_url, [_created(n)]))
        busy, frames, copied = checkpointer.checkpoint_and_restart()
        assert busy == 0 and frames > 0 and copied == frames
        # Everything was copied back, so the next write starts the WAL from its beginning.
        asyncio.run(_store_all(writer, sqlite_url, [_created(9)]))
        assert 0 < checkpointer.checkpoint()[1] < frames
    finally:
        checkpointer.stop()
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == 1000


@contextmanager
def _tickets_held(session: Session, engine: Engine) -> Iterator[None]:
    """Writes of tickets wait until the block ends: on PostgreSQL inside the database, on a lock
    of the table (the writer has sent its batch and waits for it), on SQLite on the write lock."""
    if engine.dialect.name != "postgresql":
        with write_transaction_lock(engine):
            yield
        return
    session.connection().exec_driver_sql("LOCK TABLE tickets IN SHARE ROW EXCLUSIVE MODE")
    try:
        yield
    finally:
        session.commit()


async def _first_batch_held(writer: BatchWriter, url: str) -> None:
    """Return once the writer's first batch is stuck behind `_tickets_held`."""
    await _all_handed(writer, 1)
    if not url.startswith("postgresql"):
        return
    waiting = "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
    for _ in range(500):
        with engine_for(url).connect() as conn:
            if conn.exec_driver_sql(waiting).scalar():
                return
        await asyncio.sleep(0.01)
    raise AssertionError("the writer's batch never waited on the lock")


def _judged() -> float:
    return REGISTRY.get_sample_value("triage_classify_seconds_count") or 0.0


async def _judged_since(before: float, expected: int) -> int:
    """Tickets classified since `before`, once `expected` are or a few seconds have passed."""
    for _ in range(300):
        if _judged() - before >= expected:
            break
        await asyncio.sleep(0.01)
    return int(_judged() - before)


def _one_at_a_time(
    session: Session, writer: BatchWriter, url: str, events: list[TicketEvent]
) -> tuple[list[flows.IngestResult | BaseException], int]:
    """The first event's batch is held; the others arrive one by one meanwhile, each while the
    writer has nothing else in hand, so each is taken (and prepared) as a batch of its own.
    Also how many of the events were classified before the hold ended."""
    engine = writer_engine_for(url)

    async def arrive() -> tuple[list[flows.IngestResult | BaseException], int]:
        before = _judged()
        with _tickets_held(session, engine):
            stores = [asyncio.ensure_future(writer.store(url, events[0]))]
            await _first_batch_held(writer, url)
            for later in events[1:]:
                stores.append(asyncio.ensure_future(writer.store(url, later)))
                await asyncio.sleep(0.05)
            judged = await _judged_since(before, len(events) if _prepares(url) else 0)
        return await asyncio.gather(*stores, return_exceptions=True), judged

    return asyncio.run(arrive())


def _prepares(url: str) -> bool:
    """Whether the writer prepares batches while an earlier one commits: on PostgreSQL."""
    return url.startswith("postgresql")


def test_batches_that_arrive_while_one_commits_are_prepared_and_committed_together(
    settings: Settings, session: Session, active_model: str
) -> None:
    writer = BatchWriter()
    engine = writer_engine_for(settings.database_url)
    commits: list[int] = []
    event.listen(engine, "commit", lambda _conn: commits.append(1))
    events = [_created(n) for n in range(6)]

    results, judged_while_held = _one_at_a_time(session, writer, settings.database_url, events)

    assert all(isinstance(r, flows.IngestResult) and not r.duplicate for r in results)
    # On PostgreSQL every ticket was classified while the first batch was still in the
    # database; on SQLite the one writing thread waits for the lock before it classifies.
    assert judged_while_held == (len(events) if _prepares(settings.database_url) else 0)
    # The held batch, then everything that came meanwhile, in one commit.
    assert len(commits) == 2
    stored = session.exec(select(Ticket.external_id).order_by(Ticket.external_id)).all()
    assert stored == [str(n) for n in range(6)]


def test_a_ticket_stored_by_the_batch_before_sends_the_next_one_through_the_general_flow(
    settings: Settings, session: Session, active_model: str
) -> None:
    # The later batches were prepared as new tickets while the first was held; one of them is
    # the first batch's ticket again, under a new delivery, so their plan is void.
    events = [_created(1), _created(2), _created(1, "d-again"), _created(3)]

    results, _judged_while_held = _one_at_a_time(
        session, BatchWriter(), settings.database_url, events
    )

    ok = [r for r in results if isinstance(r, flows.IngestResult)]
    assert len(ok) == 4
    assert ok[2].ticket_id == ok[0].ticket_id and not ok[2].duplicate
    assert len({ok[0].ticket_id, ok[1].ticket_id, ok[3].ticket_id}) == 3
    assert session.exec(select(func.count()).select_from(Ticket)).one() == 3
    deliveries = session.exec(select(Delivery.delivery_id, Delivery.ticket_id)).all()
    first, second, _again, third = (r.ticket_id for r in ok)
    expected = [("d-1", first), ("d-2", second), ("d-again", first), ("d-3", third)]
    assert sorted(deliveries) == sorted(expected)
