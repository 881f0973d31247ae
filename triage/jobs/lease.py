"""Holding a job's lease while its handler runs: a heartbeat, and a check before each write.

The heartbeat renews the lease every third of its length, so a slow write-back keeps its job
instead of being handed to a second worker halfway through. Handlers call `check()` right
before an external write: it renews the lease in the database and raises `LeaseLost` when
another worker holds the job now, so a worker that lost its lease never writes.
"""

from __future__ import annotations

import logging
import threading
import time
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
        self.interval = max(lease_seconds / 3, MIN_INTERVAL_SECONDS)
        self.lost = threading.Event()

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
            log.warning("job %s: lease lost to another worker", self.job_id)
        return held


class Heartbeat:
    """One thread per process renews every lease in hand when it is due.

    A thread per job would cost a start and a join for every job, most of which (a dry-run
    note, a quick write-back) finish long before their first renewal is due.
    """

    def __init__(self) -> None:
        self._due: dict[Lease, float] = {}
        self._changed = threading.Condition()
        self._thread: threading.Thread | None = None
        self._wake_at = 0.0  # when the thread's current wait ends

    def add(self, lease: Lease) -> None:
        with self._changed:
            due = time.monotonic() + lease.interval
            self._due[lease] = due
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="lease-heartbeat")
                self._thread.daemon = True
                self._thread.start()
            if due < self._wake_at:  # waking the thread for nothing would take the GIL from us
                self._changed.notify()

    def remove(self, lease: Lease) -> None:
        with self._changed:
            self._due.pop(lease, None)

    def _run(self) -> None:
        while True:
            for lease in self._wait_for_due():
                # Renewed outside the lock: adding and removing leases never waits on the database.
                held = lease.renew()
                with self._changed:
                    if held and lease in self._due:
                        self._due[lease] = time.monotonic() + lease.interval
                    else:
                        self._due.pop(lease, None)

    def _wait_for_due(self) -> list[Lease]:
        with self._changed:
            while True:
                now = time.monotonic()
                due = [lease for lease, when in self._due.items() if when <= now]
                if due:
                    return due
                self._wake_at = min(self._due.values(), default=now + MIN_INTERVAL_SECONDS * 50)
                self._changed.wait(self._wake_at - now)


_HEARTBEAT = Heartbeat()
_CURRENT: ContextVar[Lease | None] = ContextVar("triage_job_lease", default=None)


@contextmanager
def held(job_id: int, worker_id: str, lease_seconds: float) -> Iterator[Lease]:
    """Keep the lease renewed for the duration of the block, and make it `check()`able."""
    lease = Lease(job_id, worker_id, lease_seconds)
    token = _CURRENT.set(lease)
    _HEARTBEAT.add(lease)
    try:
        yield lease
    finally:
        _HEARTBEAT.remove(lease)
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
