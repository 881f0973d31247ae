"""Leases that hold: a slow write-back keeps its job, and a worker that lost its lease never writes.

Two workers run side by side in threads against slow fakes (real HTTP); exactly one note lands.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import update
from sqlmodel import Session

from tests.fakes import FakeServer
from tests.fakes.servicenow import FakeServiceNow
from tests.fakes.zendesk import FakeZendesk
from tests.writeback import scenario
from triage.config import get_settings
from triage.db.engine import engine_for
from triage.jobs.models import Job
from triage.jobs.worker import Worker

SYS_ID = "5137153cc611227c000bbd1bd8cd2005"
ZENDESK_ID = "81001"
# Lease 1 s; an expired lease is taken over after the 3 s write timeout too: 4 s in all.
LEASE = {"job_lease_seconds": 1, "writeback_timeout_seconds": 3, "job_poll_seconds": 0.1}


@contextmanager
def two_workers() -> Iterator[None]:
    stop = threading.Event()
    threads = [
        threading.Thread(target=Worker(name).run_forever, args=(stop,)) for name in ("w1", "w2")
    ]
    for thread in threads:
        thread.start()
    try:
        yield
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=30)


def _slow(fake: FakeServer, read: str, write: str) -> None:
    # Each request stays under the write timeout; together they outlast lease plus grace.
    fake.delay(2.5, method=read)
    fake.delay(2.5, method=write)


def _setup(
    source: str,
    fake_zendesk: FakeZendesk,
    fake_servicenow: FakeServiceNow,
    monkeypatch: pytest.MonkeyPatch,
) -> tuple[str, FakeServer]:
    if source == "zendesk":
        scenario.configure(monkeypatch, **scenario.zendesk_env(fake_zendesk), **LEASE)
        _slow(fake_zendesk, "GET", "PUT")
        return ZENDESK_ID, fake_zendesk
    scenario.configure(monkeypatch, **scenario.servicenow_env(fake_servicenow), **LEASE)
    fake_servicenow.add_record("incident", SYS_ID)
    _slow(fake_servicenow, "GET", "PATCH")
    return SYS_ID, fake_servicenow


def _notes(source: str, fake_zendesk: FakeZendesk, fake_servicenow: FakeServiceNow) -> int:
    if source == "zendesk":
        return len(fake_zendesk.notes(int(ZENDESK_ID)))
    return len(fake_servicenow.entries(SYS_ID))


@pytest.mark.parametrize("source", ["zendesk", "servicenow"])
def test_a_write_back_slower_than_its_lease_writes_once(
    session: Session,
    fake_zendesk: FakeZendesk,
    fake_servicenow: FakeServiceNow,
    monkeypatch: pytest.MonkeyPatch,
    source: str,
) -> None:
    external_id, _ = _setup(source, fake_zendesk, fake_servicenow, monkeypatch)
    _, _, job = scenario.routed_ticket(session, source, external_id)

    with two_workers():
        assert scenario.poll(lambda: scenario.job(session, job.id).status == "done", timeout=30)

    done = scenario.job(session, job.id)
    assert (done.attempts, done.lease_owner) == (1, None)
    assert done.result["written"] is True
    assert _notes(source, fake_zendesk, fake_servicenow) == 1


def test_the_heartbeat_keeps_the_lease_through_reads_longer_than_lease_and_grace(
    session: Session, fake_servicenow: FakeServiceNow, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Lease 2 s, takeover grace 0.5 s: unrenewed, the job is up for grabs after 2.5 s, while
    # the two reads before the write take 5 s (each well under the 10 s request timeout).
    env = scenario.servicenow_env(fake_servicenow) | LEASE
    env |= {
        "job_lease_seconds": 2,
        "job_takeover_grace_seconds": 0.5,
        "writeback_timeout_seconds": 10,
        "servicenow_dedupe": "journal_table",
    }
    scenario.configure(monkeypatch, **env)
    fake_servicenow.journal_acl = "denied"
    fake_servicenow.add_record("incident", SYS_ID)
    fake_servicenow.delay(2.5, method="GET", times=2)
    _, _, job = scenario.routed_ticket(session, "servicenow", SYS_ID)

    with two_workers():
        assert scenario.poll(lambda: scenario.job(session, job.id).status == "done", timeout=30)

    done = scenario.job(session, job.id)
    assert (done.attempts, done.result["written"]) == (1, True)
    assert len(fake_servicenow.requests_for("GET")) == 2
    assert len(fake_servicenow.entries(SYS_ID)) == 1


def _steal_lease(job_id: int | None) -> None:
    """What another worker's takeover leaves in the database (this worker stalled meanwhile)."""
    engine = engine_for(get_settings().database_url)
    with Session(engine) as other:
        other.execute(update(Job).where(Job.id == job_id).values(lease_owner="w2"))  # type: ignore[call-overload]
        other.commit()


@pytest.mark.parametrize("source", ["zendesk", "servicenow"])
def test_a_worker_that_lost_its_lease_before_the_write_writes_nothing(
    session: Session,
    fake_zendesk: FakeZendesk,
    fake_servicenow: FakeServiceNow,
    monkeypatch: pytest.MonkeyPatch,
    source: str,
) -> None:
    if source == "zendesk":
        scenario.configure(monkeypatch, **scenario.zendesk_env(fake_zendesk))
        fake: FakeServer = fake_zendesk
        external_id = ZENDESK_ID
    else:
        scenario.configure(monkeypatch, **scenario.servicenow_env(fake_servicenow))
        fake_servicenow.add_record("incident", SYS_ID)
        fake, external_id = fake_servicenow, SYS_ID
    _, _, job = scenario.routed_ticket(session, source, external_id)
    # While w1 reads the ticket to look for its marker, w2 takes the job over.
    fake.before(lambda: _steal_lease(job.id), method="GET")

    assert Worker("w1").run_once()

    taken = scenario.job(session, job.id)
    assert (taken.status, taken.lease_owner) == ("running", "w2")
    assert [r.method for r in fake.requests] == ["GET"]
    assert _notes(source, fake_zendesk, fake_servicenow) == 0
