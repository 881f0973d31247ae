"""Store redacted webhook events with group commit: the deliveries that arrive together are
written by one thread, in arrival order, as one transaction, on either database.

On SQLite, which has one writer at a time and appends every page a commit touched to the WAL
(a new ticket touches about thirty), the batch shares the pages and the commit, and nobody
waits behind a lock that is not first-come first-served. On PostgreSQL it shares one commit
(one WAL flush) and one pooled connection, instead of a thread-pool hop, a connection checkout
and a commit per request, and a batch of new tickets goes out in one pipeline (see
`triage.new_tickets`). If anything in a batch fails, the batch is rolled back and each event
is written on its own, so one bad event never takes the others with it; a delivery is
acknowledged only once its batch (or its own transaction) has committed (promise 2).
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


class BatchWriter:
    """The thread that writes deliveries, a batch per transaction."""

    def __init__(self, max_batch: int = MAX_BATCH) -> None:
        self.max_batch = max_batch
        self._queue: queue.SimpleQueue[_Pending] = queue.SimpleQueue()
        self._handed = 0
        self._handed_lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, name="triage-ingest-writer", daemon=True)
        self._thread.start()

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

    def _run(self) -> None:
        while True:
            batch = [self._queue.get()]
            while len(batch) < self.max_batch:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            for url in dict.fromkeys(p.url for p in batch):
                group = [p for p in batch if p.url == url]
                try:
                    results = self._write(group)
                except BaseException as exc:  # this thread must outlive any one batch
                    results = [exc] * len(group)
                for pending, outcome in zip(group, results, strict=True):
                    _hand_back(pending, outcome)

    def _write(self, batch: list[_Pending]) -> list[flows.IngestResult | BaseException]:
        engine = writer_engine_for(batch[0].url)
        try:
            return self._write_together(engine, batch)
        except Exception as exc:
            kind = type(exc).__name__
            if len(batch) > 1:
                # The type only: database errors quote the statement's parameters (ticket text).
                log.warning("a batch of %d failed (%s); writing each alone", len(batch), kind)
            return [self._write_alone(engine, pending) for pending in batch]

    @staticmethod
    def _write_together(
        engine: Engine, batch: list[_Pending]
    ) -> list[flows.IngestResult | BaseException]:
        settings = get_settings()
        with write_transaction_lock(engine), Session(engine, expire_on_commit=False) as session:
            if tracing.enabled():
                # Each delivery's flow and jobs join its own request's trace: one at a time.
                results = [_traced_ingest(session, pending, settings) for pending in batch]
            else:
                results = ingest_batch(session, [p.event for p in batch], settings)
            session.commit()
        for pending, result in zip(batch, results, strict=True):
            flows.count(pending.event.source, result)
        return list(results)

    @staticmethod
    def _write_alone(engine: Engine, pending: _Pending) -> flows.IngestResult | BaseException:
        try:
            return store_one(engine, pending.event, pending.trace)
        except Exception as exc:
            return exc


def ingest_batch(
    session: Session, events: list[TicketEvent], settings: Settings
) -> list[flows.IngestResult]:
    """A batch of new tickets on PostgreSQL in two round trips when it is one; otherwise, or
    when one of them turns out not to be new, the general flow (after a rollback)."""
    if new_tickets.applies(session, events, settings):
        try:
            return new_tickets.ingest(session, events, settings)
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
