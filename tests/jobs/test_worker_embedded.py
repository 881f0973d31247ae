"""The worker thread `triage serve` runs in-process: it picks jobs up and stops cleanly."""

import threading

import pytest
from sqlmodel import Session

from tests.fakes.zendesk import FakeZendesk
from tests.writeback import scenario
from triage.jobs.worker import start_background_worker


def test_background_worker_runs_jobs_until_stopped(
    session: Session, fake_zendesk: FakeZendesk, monkeypatch: pytest.MonkeyPatch
) -> None:
    scenario.configure(monkeypatch, **scenario.zendesk_env(fake_zendesk), job_poll_seconds=0.05)
    _, _, job = scenario.routed_ticket(session, "zendesk", "9301")

    stop = start_background_worker("embedded-test")
    try:
        assert scenario.poll(lambda: scenario.job(session, job.id).status == "done")
    finally:
        stop()

    assert not any(t.name == "triage-worker" for t in threading.enumerate())
    assert len(fake_zendesk.notes(9301)) == 1
