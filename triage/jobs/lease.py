"""Holding a job's lease while its handler runs: a heartbeat, and a check before each write.

The heartbeat renews the lease every third of its length, so a slow write-back keeps its job
instead of being handed to a second worker halfway through. Handlers call `check()` right
before an external write: it renews the lease in the database and raises `LeaseLost` when
another worker holds the job now, so a worker that lost its lease never writes.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from triage.db.engine import write_scope
from triage.jobs import queue

log = logging.getLogger(__name__)
MIN_INTERVAL_SECONDS = 0.2


class LeaseLost(Exception):
    """This worker no longer holds the job: another worker may be running it."""


class Lease:
    def __init__(self, job_id: int, worker_id: str, lease_seconds: float) -> None:
        self.job_id = job_id
        self.worker_id = worker_id
        self.lease_seconds = lease_seconds
        self.lost = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, name=f"lease-{job_id}", daemon=True)

    def renew(self) -> bool:
        if self.lost.is_set():
            return False
        try:
            with write_scope() as session:
                held = queue.renew(session, self.job_id, self.worker_id, self.lease_seconds)
        except Exception as exc:  # database briefly unreachable: the next beat tries again
            log.warning("job %s: lease renewal failed (%s)", self.job_id, type(exc).__name__)
            return True
        if not held:
            self.lost.set()
        return held

    def _beat(self) -> None:
        interval = max(self.lease_seconds / 3, MIN_INTERVAL_SECONDS)
        while not self._stop.wait(interval):
            if not self.renew():
                log.warning("job %s: lease lost to another worker", self.job_id)
                return

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


_CURRENT: ContextVar[Lease | None] = ContextVar("triage_job_lease", default=None)


@contextmanager
def held(job_id: int, worker_id: str, lease_seconds: float) -> Iterator[Lease]:
    """Keep the lease renewed for the duration of the block, and make it `check()`able."""
    lease = Lease(job_id, worker_id, lease_seconds)
    token = _CURRENT.set(lease)
    lease.start()
    try:
        yield lease
    finally:
        lease.stop()
        _CURRENT.reset(token)


def check() -> None:
    """Before an external write: confirm (and extend) the lease, or raise LeaseLost.

    Outside a worker (no lease in hand) there is nothing to check.
    """
    lease = _CURRENT.get()
    if lease is None:
        return
    # A failed renewal (database unreachable) cannot prove the lease is still ours.
    try:
        with write_scope() as session:
            held_now = queue.renew(session, lease.job_id, lease.worker_id, lease.lease_seconds)
    except Exception:
        raise LeaseLost(f"job {lease.job_id}: cannot confirm the lease") from None
    if lease.lost.is_set() or not held_now:
        lease.lost.set()
        raise LeaseLost(f"job {lease.job_id}: lease lost before the write")
