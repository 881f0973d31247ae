"""A job worker: claim under a lease, run the handler, record the outcome.

The handler's database changes and the job's completion commit together; if the worker dies
before that commit the lease expires and another worker runs the (idempotent) handler again.
The one exception is what must outlive a failed attempt: the LLM handler commits a call's
spend and cached answer as soon as it has them.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from opentelemetry.trace import SpanKind
from sqlmodel import Session

from triage import tracing
from triage.config import get_settings
from triage.db.engine import get_engine, import_models, write_scope
from triage.db.sqlite import session_write_lock
from triage.jobs import batch, handlers, lease, queue
from triage.jobs.handlers import PermanentError, RetryableError
from triage.jobs.models import Job, JobStatus, TaskKind
from triage.redaction import engine as redaction

log = logging.getLogger(__name__)


class InFlight:
    """How many HTTP requests this process is serving; the embedded worker yields to them."""

    def __init__(self) -> None:
        self.count = 0
        self._lock = threading.Lock()
        self._idle = threading.Event()
        self._idle.set()

    def enter(self) -> None:
        with self._lock:
            self.count += 1
            self._idle.clear()

    def leave(self) -> None:
        with self._lock:
            self.count -= 1
            if self.count == 0:
                self._idle.set()

    def busy(self) -> bool:
        return self.count > 0

    def wait_idle(self, timeout: float) -> None:
        self._idle.wait(timeout)


REQUESTS = InFlight()


def default_worker_id(suffix: str = "0") -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{suffix}"


def _safe_error(exc: BaseException) -> str:
    # Unexpected exceptions may quote ticket text; keep the type and a redacted message only.
    return f"{type(exc).__name__}: {redaction.redact(str(exc)).text}"[: queue.MAX_ERROR_CHARS]


class Worker:
    def __init__(self, worker_id: str | None = None) -> None:
        self.worker_id = worker_id or default_worker_id()
        self.settings = get_settings()
        # Handlers touch several domains' tables; the mapper needs all of them to resolve FKs.
        import_models()
        # Every ticket gets a write-back job: load its handler now rather than in the middle of
        # the first one, where the import would hold the GIL that webhook requests wait for.
        handlers.get(TaskKind.WRITEBACK_NOTE)
        self.passes = handlers.periodic_passes()
        self._next_pass = 0.0

    def run_once(self) -> bool:
        """Claim and run one due job; False when there was nothing to do."""
        return self.run_batch(limit=1) > 0

    def run_batch(
        self,
        stop: threading.Event | None = None,
        yield_to: InFlight | None = None,
        limit: int | None = None,
    ) -> int:
        """Claim up to worker_batch_size due jobs in one statement and run them; how many ran.

        A worker that yields to requests takes one job at a time while they are in flight.
        """
        if limit is None:
            busy = yield_to is not None and yield_to.busy()
            limit = 1 if busy else self.settings.worker_batch_size
        lease_seconds = self.settings.job_lease_seconds
        with write_scope() as session:
            jobs = queue.claim_many(session, self.worker_id, lease_seconds, limit)
        return self._run_claimed(jobs, stop, yield_to) if jobs else 0

    def _run_claimed(
        self, jobs: list[Job], stop: threading.Event | None, yield_to: InFlight | None
    ) -> int:
        # A job waiting its turn holds a lease too: what is not started by half the lease goes
        # back to the queue, as does the rest of the batch on a stop or when requests arrive.
        deadline = time.monotonic() + self.settings.job_lease_seconds / 2
        completions = batch.Completions(self.worker_id)
        started = 0
        try:
            with self._reader() as reader:
                _prefetch(reader, jobs)
                for job in jobs:
                    if started and _batch_over(stop, yield_to, deadline):
                        break
                    started += 1
                    self._execute(job, reader, completions)
        finally:
            completions.flush()
            self._release([job.id for job in jobs[started:] if job.id is not None])
        return started

    @contextmanager
    def _reader(self) -> Iterator[Session]:
        """One connection and one transaction for the read-only handlers of a batch (one
        checkout, one ping, one rollback at the end)."""
        with get_engine().connect() as conn, Session(bind=conn, expire_on_commit=False) as session:
            try:
                yield session
            finally:
                session.rollback()

    def _release(self, job_ids: list[int]) -> None:
        if job_ids:
            with write_scope() as session:
                batch.release_many(session, self.worker_id, job_ids)

    def run_forever(self, stop: threading.Event, yield_to: InFlight | None = None) -> None:
        """Work until stop is set; the job in hand is always finished first (graceful SIGTERM).

        With `yield_to`, a worker sharing its process with the API runs one job per
        worker_busy_pause_seconds while requests are in flight: on two cores its jobs would
        otherwise hold the GIL that acknowledgements wait for. The queue still moves, and at
        full speed again as soon as the process is idle.
        """
        while not stop.is_set():
            try:
                self.run_passes_when_due()
                ran = self.run_batch(stop, yield_to)
            except Exception as exc:  # the database may be briefly unreachable; keep serving
                log.error("worker %s: %s", self.worker_id, type(exc).__name__)
                ran = 0
            if not ran:
                stop.wait(self.settings.job_poll_seconds)
            elif yield_to is not None:
                self._yield(stop, yield_to)
            elif ran < self.settings.worker_batch_size:
                # The queue is drained: let the next jobs gather, so that their claim, reads and
                # completion are shared by several (each costs this process and PostgreSQL CPU
                # that the serving processes on the same cores would otherwise have).
                stop.wait(self.settings.worker_linger_seconds)

    def run_passes_when_due(self) -> int:
        """The periodic passes (spike detection queues its jobs here), every
        job_periodic_seconds; how many jobs they queued."""
        now = time.monotonic()
        if now < self._next_pass:
            return 0
        self._next_pass = now + self.settings.job_periodic_seconds
        queued = 0
        for kind, run in self.passes.items():
            with write_scope() as session:
                queued += run(session)
            log.debug("worker %s: periodic %s", self.worker_id, kind)
        return queued

    def _yield(self, stop: threading.Event, requests: InFlight) -> None:
        """Pause while requests are in flight, at most worker_busy_pause_seconds."""
        deadline = time.monotonic() + self.settings.worker_busy_pause_seconds
        while requests.busy() and not stop.is_set():
            left = deadline - time.monotonic()
            if left <= 0:
                return
            # Short waits, so that a stop (SIGTERM) is seen within a fraction of a second.
            requests.wait_idle(min(left, 0.2))

    def _execute(self, job: Job, reader: Session, completions: batch.Completions) -> None:
        assert job.id is not None
        started = time.monotonic()
        attributes: tracing.Attributes = {
            "triage.job.kind": job.kind,
            "triage.job.attempt": job.attempts,
        }
        parent = tracing.from_payload(job.payload)
        with tracing.span(
            f"job {job.kind}", attributes, kind=SpanKind.CONSUMER, parent=parent
        ) as span:
            outcome = self._run(job, reader, completions)
            span.set_attribute("triage.job.outcome", outcome or "done_in_batch")
        if outcome is not None:  # None: done, its completion is recorded with the batch
            batch.record(job, outcome, time.monotonic() - started)

    def _run(self, job: Job, reader: Session, completions: batch.Completions) -> str | None:
        assert job.id is not None
        fn = handlers.get(job.kind)
        if fn is None:
            return self._fail(job, f"no handler for job kind {job.kind!r}", permanent=True)
        if job.attempts > job.max_attempts:
            return self._fail(job, "lease expired on every attempt (worker crashed or hung)", True)
        try:
            if handlers.reads_only(job.kind):
                self._run_reading(fn, job, reader, completions)
                return None
            return self._run_handler(fn, job)
        except lease.LeaseLost:
            # Another worker holds the job now: it records the outcome, this one touches nothing.
            return "lease_lost"
        except RetryableError as exc:
            return self._fail(job, exc.message, retry_after=exc.retry_after)
        except PermanentError as exc:
            return self._fail(job, exc.message, permanent=True)
        except Exception as exc:
            return self._fail(job, _safe_error(exc))
        except BaseException:
            # Interrupted mid-job (KeyboardInterrupt, SystemExit): hand the job back now rather
            # than leaving it until the lease expires.
            with write_scope() as session:
                queue.release(session, job.id, self.worker_id)
            raise

    def _run_handler(self, fn: handlers.Handler, job: Job) -> str:
        assert job.id is not None
        with Session(get_engine(), expire_on_commit=False) as session:
            # The handler may call out over HTTP: the write lock is taken only afterwards, for
            # the completion and the commit. The lease is renewed while it runs.
            with lease.held(job.id, self.worker_id, self.settings.job_lease_seconds):
                result = fn(session, job)
            with session_write_lock(session):
                if not queue.complete(session, job.id, self.worker_id, result):
                    session.rollback()
                    return "lease_lost"
                session.commit()
        return JobStatus.DONE

    def _run_reading(
        self, fn: handlers.Handler, job: Job, reader: Session, completions: batch.Completions
    ) -> None:
        """A handler that only reads: its reads share the batch's reading transaction, which is
        rolled back when the batch ends or a handler fails (nothing it could have written is
        kept), and its completion waits for the batch's."""
        assert job.id is not None
        started = time.monotonic()
        try:
            # Renewed while it runs, and checked right before each write upstream (lease.check).
            with lease.held(job.id, self.worker_id, self.settings.job_lease_seconds):
                result = fn(reader, job)
        except BaseException:
            reader.rollback()
            raise
        completions.add(job, result, time.monotonic() - started)

    def _fail(
        self, job: Job, error: str, permanent: bool = False, retry_after: float | None = None
    ) -> str:
        assert job.id is not None
        with write_scope() as session:
            status = queue.fail(
                session, job.id, self.worker_id, error, retry_after=retry_after, permanent=permanent
            )
        return status or "lease_lost"


def start_background_worker(worker_id: str | None = None) -> Callable[[], None]:
    """Run one worker thread inside `triage serve`, yielding to the requests it serves;
    returns the function that stops it."""
    stop = threading.Event()
    worker = Worker(worker_id or default_worker_id("embedded"))
    thread = threading.Thread(
        target=worker.run_forever, args=(stop, REQUESTS), name="triage-worker", daemon=True
    )
    thread.start()

    def stop_worker(timeout: float | None = None) -> None:
        stop.set()
        # Long enough for a write-back in flight to finish: its timeout, a few requests deep.
        grace = get_settings().writeback_timeout_seconds * 3
        thread.join(timeout if timeout is not None else grace)

    return stop_worker


def run_workers(concurrency: int, stop: threading.Event, once: bool = False) -> dict[str, Any]:
    """Run `concurrency` worker threads until stop is set (or the queue is empty, with once)."""
    traced = tracing.configure(get_settings())
    try:
        return _run_workers(concurrency, stop, once)
    finally:
        if traced:
            tracing.shutdown()


def _run_workers(concurrency: int, stop: threading.Event, once: bool) -> dict[str, Any]:
    workers = [Worker(default_worker_id(str(n))) for n in range(max(1, concurrency))]
    if once:
        ran = sum(_drain(w) for w in workers)
        return {"ran": ran}
    threads = [
        threading.Thread(target=w.run_forever, args=(stop,), name=f"triage-worker-{n}")
        for n, w in enumerate(workers)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return {"workers": len(workers)}


def _drain(worker: Worker) -> int:
    ran = 0
    while count := worker.run_batch():
        ran += count
    return ran


def _prefetch(reader: Session, jobs: list[Job]) -> None:
    """What the read-only handlers of a batch will read, read once per kind for all of them."""
    by_kind: dict[str, list[Job]] = {}
    for job in jobs:
        by_kind.setdefault(job.kind, []).append(job)
    for kind, of_kind in by_kind.items():
        if handlers.get(kind) is not None and (prefetch := handlers.prefetcher(kind)):
            prefetch(reader, of_kind)


def _batch_over(stop: threading.Event | None, yield_to: InFlight | None, deadline: float) -> bool:
    if stop is not None and stop.is_set():
        return True
    if yield_to is not None and yield_to.busy():
        return True
    return time.monotonic() > deadline
