"""`triage worker` processes against PostgreSQL: racing workers, SIGKILL mid-job, SIGTERM.

These start real worker processes (the installed console script), talk to the fake Zendesk over
HTTP, and wait on conditions with bounded polling only.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func
from sqlmodel import Session, col, select

from tests.fakes.servicenow import FakeServiceNow
from tests.fakes.zendesk import FakeZendesk
from tests.writeback import scenario
from triage.jobs.models import Job

pytestmark = [
    pytest.mark.skipif(
        not os.environ.get("TRIAGE_TEST_DATABASE_URL"), reason="needs TRIAGE_TEST_DATABASE_URL"
    ),
    pytest.mark.parametrize("database_url", ["postgresql"], indirect=True),
]
TRIAGE = str(Path(sys.executable).parent / "triage")


class Workers:
    def __init__(self) -> None:
        self.procs: list[subprocess.Popen[bytes]] = []

    def start(self, *args: str) -> subprocess.Popen[bytes]:
        proc = subprocess.Popen(
            [TRIAGE, "worker", *args],
            env=dict(os.environ),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        self.procs.append(proc)
        return proc

    def stop_all(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.kill()
            proc.wait(timeout=10)


@pytest.fixture
def workers() -> Iterator[Workers]:
    running = Workers()
    yield running
    running.stop_all()


def _count(session: Session, status: str) -> int:
    session.expire_all()
    query = select(func.count()).select_from(Job).where(col(Job.status) == status)
    return int(session.exec(query).one())


def test_three_workers_drain_500_jobs_each_exactly_once(
    session: Session, fake_zendesk: FakeZendesk, workers: Workers, monkeypatch: pytest.MonkeyPatch
) -> None:
    scenario.configure(monkeypatch, **scenario.zendesk_env(fake_zendesk), job_poll_seconds=0.1)
    ids = scenario.many_routed_tickets(session, 70_000, 500)
    procs = [workers.start("--concurrency", "2") for _ in range(3)]

    assert scenario.poll(lambda: _count(session, "done") == 500, timeout=90)

    for proc in procs:
        proc.send_signal(signal.SIGTERM)
    assert [proc.wait(timeout=20) for proc in procs] == [0, 0, 0]
    jobs = session.exec(select(Job)).all()
    assert {(j.status, j.attempts) for j in jobs} == {("done", 1)}
    assert len(fake_zendesk.requests_for("PUT")) == 500
    assert all(len(fake_zendesk.notes(ticket_id)) == 1 for ticket_id in ids)


def test_sigkill_mid_job_is_finished_by_another_worker_with_one_note(
    session: Session, fake_zendesk: FakeZendesk, workers: Workers, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = scenario.zendesk_env(fake_zendesk, job_lease_seconds=2, job_poll_seconds=0.1)
    scenario.configure(monkeypatch, **env)
    # The note lands, then the answer hangs: the worker dies between writing and recording it.
    fake_zendesk.delay(60, method="PUT", after=True)
    _, _, job = scenario.routed_ticket(session, "zendesk", "80001")
    first = workers.start()
    assert fake_zendesk.wait_until(lambda: len(fake_zendesk.requests_for("PUT")) == 1, 30)

    first.kill()
    first.wait(timeout=10)
    assert scenario.job(session, job.id).status == "running"
    workers.start()

    assert scenario.poll(lambda: scenario.job(session, job.id).status == "done", timeout=30)
    done = scenario.job(session, job.id)
    assert done.attempts == 2 and done.result["skipped"] == "already_written"
    assert len(fake_zendesk.notes(80001)) == 1
    assert len(fake_zendesk.requests_for("PUT")) == 1


def test_sigkill_while_a_slow_servicenow_write_is_in_flight_leaves_one_work_note(
    session: Session,
    fake_servicenow: FakeServiceNow,
    workers: Workers,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    sys_id = "a9e30c7dc61122760116894de7bcc7bd"
    env = scenario.servicenow_env(fake_servicenow)
    scenario.configure(
        monkeypatch, **env, job_lease_seconds=2, writeback_timeout_seconds=8, job_poll_seconds=0.1
    )
    fake_servicenow.journal_acl = "denied"
    fake_servicenow.add_record("incident", sys_id)
    # The instance takes 6 s over the write (a 2 s lease) and finishes it though the caller died.
    fake_servicenow.delay(6, method="PATCH")
    _, _, job = scenario.routed_ticket(session, "servicenow", sys_id)
    first = workers.start()
    assert fake_servicenow.wait_until(lambda: len(fake_servicenow.requests_for("PATCH")) == 1)

    first.kill()
    first.wait(timeout=10)
    workers.start()

    assert scenario.poll(lambda: scenario.job(session, job.id).status == "done", timeout=30)
    done = scenario.job(session, job.id)
    assert done.attempts == 2 and done.result["skipped"] == "already_written"
    assert len(fake_servicenow.entries(sys_id)) == 1
    assert len(fake_servicenow.requests_for("PATCH")) == 1


def test_sigterm_lets_the_job_in_hand_finish(
    session: Session, fake_zendesk: FakeZendesk, workers: Workers, monkeypatch: pytest.MonkeyPatch
) -> None:
    scenario.configure(monkeypatch, **scenario.zendesk_env(fake_zendesk), job_poll_seconds=0.1)
    fake_zendesk.delay(1.5, method="PUT")
    _, _, job = scenario.routed_ticket(session, "zendesk", "80002")
    proc = workers.start()
    assert fake_zendesk.wait_until(lambda: len(fake_zendesk.requests_for("PUT")) == 1, 30)

    proc.send_signal(signal.SIGTERM)

    assert proc.wait(timeout=20) == 0
    done = scenario.job(session, job.id)
    assert (done.status, done.attempts) == ("done", 1)
    assert len(fake_zendesk.notes(80002)) == 1
