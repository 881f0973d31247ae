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
from collections.abc import Callable
from typing import Any

from sqlmodel import Session

from triage import metrics
from triage.config import get_settings
from triage.db.engine import get_engine, import_models, utcnow, write_scope
from triage.db.sqlite import session_write_lock
from triage.jobs import handlers, queue
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

    def run_once(self) -> bool:
        """Claim and run one due job; False when there was nothing to do."""
        with write_scope() as session:
            job = queue.claim(session, self.worker_id, self.settings.job_lease_seconds)
        if job is None:
            return False
        self._execute(job)
        return True

    def run_forever(self, stop: threading.Event, yield_to: InFlight | None = None) -> None:
        """Work until stop is set; the job in hand is always finished first (graceful SIGTERM).

        With `yield_to`, a worker sharing its process with the API runs one job per
        worker_busy_pause_seconds while requests are in flight: on two cores its jobs would
        otherwise hold the GIL that acknowledgements wait for. The queue still moves, and at
        full speed again as soon as the process is idle.
        """
        while not stop.is_set():
            try:
                ran = self.run_once()
            except Exception as exc:  # the database may be briefly unreachable; keep serving
                log.error("worker %s: %s", self.worker_id, type(exc).__name__)
                ran = False
            if not ran:
                stop.wait(self.settings.job_poll_seconds)
            elif yield_to is not None:
                self._yield(stop, yield_to)

    def _yield(self, stop: threading.Event, requests: InFlight) -> None:
        """Pause while requests are in flight, at most worker_busy_pause_seconds."""
        deadline = time.monotonic() + self.settings.worker_busy_pause_seconds
        while requests.busy() and not stop.is_set():
            left = deadline - time.monotonic()
            if left <= 0:
                return
            # Short waits, so that a stop (SIGTERM) is seen within a fraction of a second.
            requests.wait_idle(min(left, 0.2))

    def _execute(self, job: Job) -> None:
        assert job.id is not None
        started = time.monotonic()
        outcome = self._run(job)
        metrics.JOB_RUN.labels(kind=job.kind, outcome=outcome).observe(time.monotonic() - started)
        log.info("job %s (%s) attempt %s: %s", job.id, job.kind, job.attempts, outcome)

    def _run(self, job: Job) -> str:
        assert job.id is not None
        fn = handlers.get(job.kind)
        if fn is None:
            return self._fail(job, f"no handler for job kind {job.kind!r}", permanent=True)
        if job.attempts > job.max_attempts:
            return self._fail(job, "lease expired on every attempt (worker crashed or hung)", True)
        try:
            return self._run_handler(fn, job)
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
            # the completion and the commit.
            result = fn(session, job)
            with session_write_lock(session):
                if not queue.complete(session, job.id, self.worker_id, result):
                    session.rollback()
                    return "lease_lost"
                session.commit()
        latency = (utcnow() - job.created_at).total_seconds()
        metrics.JOB_LATENCY.labels(kind=job.kind).observe(max(latency, 0.0))
        return JobStatus.DONE

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
    while worker.run_once():
        ran += 1
    return ran
