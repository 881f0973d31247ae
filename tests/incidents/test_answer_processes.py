"""Answering an incident of 50 tickets: exactly 50 public comments, with `triage worker`
processes, one of them SIGKILLed after a reply landed but before it was recorded, and Zendesk
answering 503 and 429 along the way. On SQLite and PostgreSQL."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import Session, col, func, select

from tests.fakes.zendesk import FakeZendesk
from tests.incidents import helpers
from tests.writeback import scenario
from triage.incidents import answers
from triage.jobs.models import Job

TRIAGE = str(Path(sys.executable).parent / "triage")
TICKETS = 50
FIRST = 60_000


@pytest.fixture
def workers() -> Iterator[list[subprocess.Popen[bytes]]]:
    procs: list[subprocess.Popen[bytes]] = []
    yield procs
    for proc in procs:
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=10)


def _start(procs: list[subprocess.Popen[bytes]]) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(
        [TRIAGE, "worker"],
        env=dict(os.environ),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    procs.append(proc)
    return proc


def _unfinished_replies(session: Session) -> int:
    session.expire_all()
    query = select(func.count()).where(
        col(Job.kind) == "review.send_reply", col(Job.status) != "done"
    )
    return int(session.exec(query).one())


def test_fifty_tickets_get_exactly_fifty_public_comments_across_a_kill_and_faults(
    session: Session,
    fake_zendesk: FakeZendesk,
    workers: list[subprocess.Popen[bytes]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    env = scenario.zendesk_env(fake_zendesk, job_lease_seconds=2, job_poll_seconds=0.1)
    settings = helpers.configure(monkeypatch, **env)
    incident = helpers.open_incident(session, settings, TICKETS, FIRST)
    helpers.drain()  # decisions' and incident's notes first: what is left is the answer
    lead = helpers.user(session, "lead@psp.example", "lead", [])
    assert (
        answers.approve_answer(session, lead, incident, "incident_update", "Fixed at 11:00.") == 50
    )
    session.commit()
    puts_before = len(fake_zendesk.requests_for("PUT"))
    # The first reply lands and its answer hangs: that worker dies before recording it.
    fake_zendesk.delay(60, method="PUT", after=True)
    fake_zendesk.fail(503, times=4, method="PUT")
    fake_zendesk.fail(429, times=3, method="GET", retry_after="0")

    first = _start(workers)
    assert fake_zendesk.wait_until(
        lambda: len(fake_zendesk.requests_for("PUT")) > puts_before, timeout=60
    )
    first.kill()
    first.wait(timeout=10)
    _start(workers)
    _start(workers)

    assert scenario.poll(lambda: _unfinished_replies(session) == 0, timeout=120)
    public = {n: fake_zendesk.notes(n, public=True) for n in range(FIRST, FIRST + TICKETS)}
    assert sum(len(comments) for comments in public.values()) == TICKETS
    assert all(len(comments) == 1 for comments in public.values())
    dead = session.exec(select(Job).where(Job.status == "dead")).all()
    assert dead == []
