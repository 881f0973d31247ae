"""Store redacted webhook events with group commit: the deliveries that arrive together are
written in arrival order, as one transaction, on either database.

On SQLite, which has one writer at a time and appends every page a commit touched to the WAL
(a new ticket touches about thirty), the batch shares the pages and the commit, and nobody
waits behind a lock that is not first-come first-served. On PostgreSQL it shares one commit
(one WAL flush) and one pooled connection, instead of a thread-pool hop, a connection checkout
and a commit per request, and a batch of new tickets goes out in one pipeline (see
`triage.new_tickets`), prepared by one thread while another waits for the batch before it to
commit. If anything in a batch fails, the batch is rolled back and each event is written on
its own, so one bad event never takes the others with it; a delivery is acknowledged only once
its batch (or its own transaction) has committed (promise 2).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import queue
import threading
from dataclasses import dataclass

from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from triage import flows, new_tickets, tracing
from triage.config import Settings, get_settings
from triage.db.engine import writer_engine_for
from triage.db.sqlite import write_transaction_lock
from triage.errors import TriageError
from triage.tickets.models import TicketEvent

log = logging.getLogger(__name__)

# Enough to share a commit among all the requests a busy process has in flight, small enough
# that the first of them is not kept waiting long for the last.
MAX_BATCH = 32


def store_one(
    engine: Engine, event: TicketEvent, trace: tracing.Context | None = None
) -> flows.IngestResult:
    """One event, one transaction; retried once when a concurrent delivery won a race."""
    for attempt in range(2):
        with (
            tracing.attached(trace),
            write_transaction_lock(engine),
            Session(engine, expire_on_commit=False) as session,
        ):
            try:
                result = flows.ingest(session, event, get_settings())
                session.commit()
                flows.count(event.source, result)
                return result
            except IntegrityError:
                # A concurrent delivery for the same ticket won the race; the retry sees its row
                # and records this one as a duplicate or a comment.
                session.rollback()
                if attempt == 1:
                    raise TriageError("concurrent update, please retry", 409) from None
    raise AssertionError("unreachable")


@dataclass
class _Pending:
    url: str
    event: TicketEvent
    loop: asyncio.AbstractEventLoop
    future: asyncio.Future[flows.IngestResult]
    trace: tracing.Context


@dataclass(frozen=True)
class _Batch:
    """Deliveries to one database, written together; on PostgreSQL, the session and plan the
    writer thread prepared them in, for the committing thread to send."""

    engine: Engine
    pending: list[_Pending]
    session: Session | None = None
    plan: new_tickets.Plan | None = None


class BatchWriter:
    """The threads that write deliveries, a batch per transaction.

    On SQLite one thread takes each batch and writes it. On PostgreSQL that thread prepares each
    batch (judges it and builds its rows: CPU) as it arrives and hands it to a committing
    thread, which sends it and waits for the commit (mostly the database's time). So batches
    are prepared while earlier ones are in PostgreSQL, instead of the process sitting idle, and
    the committing thread sends whatever was prepared meanwhile together, in one transaction:
    commits stay as few as the load allows. Batches are committed in the order they arrived.
    """

    def __init__(self, max_batch: int = MAX_BATCH) -> None:
        self.max_batch = max_batch
        self._queue: queue.SimpleQueue[_Pending] = queue.SimpleQueue()
        self._commits: queue.SimpleQueue[_Batch] = queue.SimpleQueue()
        self._carried: _Batch | None = None  # taken by the committer, left for its next round
        self._handed = 0
        self._handed_lock = threading.Lock()
        for target, name in ((self._run, "writer"), (self._commit_loop, "committer")):
            threading.Thread(target=target, name=f"triage-ingest-{name}", daemon=True).start()

    async def store(self, url: str, event: TicketEvent) -> flows.IngestResult:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[flows.IngestResult] = loop.create_future()
        with self._handed_lock:
            self._handed += 1
        self._queue.put(_Pending(url, event, loop, future, tracing.current()))
        return await future

    def handed(self) -> int:
        """How many events have been handed to this writer so far (written or not yet)."""
        with self._handed_lock:
            return self._handed

    def _take(self) -> list[_Pending]:
        batch = [self._queue.get()]
        while len(batch) < self.max_batch:
            try:
                batch.append(self._queue.get_nowait())
            except queue.Empty:
                break
        return batch

    def _run(self) -> None:
        while True:
            batch = self._take()
            for url in dict.fromkeys(p.url for p in batch):
                group = [p for p in batch if p.url == url]
                try:
                    engine = writer_engine_for(url)
                except BaseException as exc:  # this thread must outlive any one batch
                    for pending in group:
                        _hand_back(pending, exc)
                    continue
                if engine.dialect.name == "postgresql":
                    self._commits.put(_prepared(_Batch(engine, group)))
                else:
                    _finish(_Batch(engine, group))

    def _commit_loop(self) -> None:
        while True:
            _finish(self._next_commit())

    def _next_commit(self) -> _Batch:
        """The oldest prepared batch, with the ones prepared after it for the same database
        joined to it while they fit in a batch."""
        batch, self._carried = self._carried or self._commits.get(), None
        while batch.plan is not None and len(batch.pending) < self.max_batch:
            try:
                following = self._commits.get_nowait()
            except queue.Empty:
                break
            if not _joinable(batch, following, self.max_batch):
                self._carried = following
                break
            batch = _joined(batch, following)
        return batch


def _joinable(batch: _Batch, following: _Batch, max_batch: int) -> bool:
    return (
        following.plan is not None
        and following.engine is batch.engine
        and len(batch.pending) + len(following.pending) <= max_batch
    )


def _joined(batch: _Batch, following: _Batch) -> _Batch:
    assert batch.plan is not None and following.plan is not None
    if following.session is not None:
        # Its key refills and model checks need no transaction; a connection that fails to
        # close is the pool's to drop, not a reason to lose the batch.
        with contextlib.suppress(Exception):
            following.session.close()
    pending = batch.pending + following.pending
    return _Batch(batch.engine, pending, batch.session, batch.plan + following.plan)


def _prepared(batch: _Batch) -> _Batch:
    """The batch with its session and, when it is all new tickets, its plan; any failure here
    leaves the whole batch to the committing thread's general path."""
    events = [p.event for p in batch.pending]
    session = Session(batch.engine, expire_on_commit=False)
    try:
        settings = get_settings()
        if tracing.enabled() or not new_tickets.applies(session, events, settings):
            return _Batch(batch.engine, batch.pending, session)
        return _Batch(
            batch.engine, batch.pending, session, new_tickets.prepare(session, events, settings)
        )
    except Exception as exc:  # this thread must outlive any one batch
        session.close()
        log.warning("preparing a batch of %d failed (%s)", len(events), type(exc).__name__)
        return batch


def _finish(batch: _Batch) -> None:
    try:
        results = _write(batch)
    except BaseException as exc:  # the writing threads must outlive any one batch
        results = [exc] * len(batch.pending)
    for pending, outcome in zip(batch.pending, results, strict=True):
        _hand_back(pending, outcome)


def _write(batch: _Batch) -> list[flows.IngestResult | BaseException]:
    try:
        return _write_together(batch)
    except Exception as exc:
        kind = type(exc).__name__
        if len(batch.pending) > 1:
            # The type only: database errors quote the statement's parameters (ticket text).
            log.warning("a batch of %d failed (%s); writing each alone", len(batch.pending), kind)
        return [_write_alone(batch.engine, pending) for pending in batch.pending]


def _write_together(batch: _Batch) -> list[flows.IngestResult | BaseException]:
    settings = get_settings()
    session = batch.session or Session(batch.engine, expire_on_commit=False)
    with write_transaction_lock(batch.engine), session:
        if tracing.enabled():
            # Each delivery's flow and jobs join its own request's trace: one at a time.
            results = [_traced_ingest(session, pending, settings) for pending in batch.pending]
        else:
            events = [p.event for p in batch.pending]
            results = ingest_batch(session, events, settings, batch.plan)
        session.commit()
    for pending, result in zip(batch.pending, results, strict=True):
        flows.count(pending.event.source, result)
    return list(results)


def _write_alone(engine: Engine, pending: _Pending) -> flows.IngestResult | BaseException:
    try:
        return store_one(engine, pending.event, pending.trace)
    except Exception as exc:
        return exc


def ingest_batch(
    session: Session,
    events: list[TicketEvent],
    settings: Settings,
    plan: new_tickets.Plan | None = None,
) -> list[flows.IngestResult]:
    """A batch of new tickets on PostgreSQL in two round trips when it is one (`plan`, when it
    was prepared already); otherwise, or when one of them turns out not to be new, the general
    flow (after a rollback)."""
    if plan is None and new_tickets.applies(session, events, settings):
        plan = new_tickets.prepare(session, events, settings)
    if plan is not None:
        try:
            return new_tickets.write(session, plan)
        except new_tickets.NotAllNew:
            session.rollback()
    return flows.ingest_batch(session, events, settings)


def _traced_ingest(session: Session, pending: _Pending, settings: Settings) -> flows.IngestResult:
    with tracing.attached(pending.trace):
        return flows.ingest(session, pending.event, settings)


def _hand_back(pending: _Pending, outcome: flows.IngestResult | BaseException) -> None:
    # RuntimeError: that request's event loop has closed, so nobody is waiting any more.
    with contextlib.suppress(RuntimeError):
        pending.loop.call_soon_threadsafe(_settle, pending.future, outcome)


def _settle(
    future: asyncio.Future[flows.IngestResult], outcome: flows.IngestResult | BaseException
) -> None:
    if future.done():  # the request was cancelled (client went away); the write stands
        return
    if isinstance(outcome, BaseException):
        future.set_exception(outcome)
    else:
        future.set_result(outcome)


_WRITER: BatchWriter | None = None
_WRITER_LOCK = threading.Lock()


def _batch_writer() -> BatchWriter:
    global _WRITER
    with _WRITER_LOCK:
        if _WRITER is None:
            _WRITER = BatchWriter()
        return _WRITER


async def store(event: TicketEvent) -> flows.IngestResult:
    """Write a redacted event; returns once it is committed."""
    return await _batch_writer().store(get_settings().database_url, event)
