"""The worker thread `triage serve` runs in-process: it picks jobs up and stops cleanly."""

import threading
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlmodel import Session

from tests.fakes.zendesk import FakeZendesk
from tests.writeback import scenario
from triage.jobs.worker import REQUESTS, start_background_worker


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


def _configure_pause(monkeypatch: pytest.MonkeyPatch, fake: FakeZendesk, pause: float) -> None:
    env = scenario.zendesk_env(fake)
    scenario.configure(monkeypatch, **env, job_poll_seconds=0.05, worker_busy_pause_seconds=pause)


@contextmanager
def _serving_a_request() -> Iterator[None]:
    """What ObserveMiddleware does around every request."""
    REQUESTS.enter()
    try:
        yield
    finally:
        REQUESTS.leave()


def test_embedded_worker_yields_to_requests_in_flight(
    session: Session, fake_zendesk: FakeZendesk, monkeypatch: pytest.MonkeyPatch
) -> None:
    _configure_pause(monkeypatch, fake_zendesk, 60)
    jobs = [scenario.routed_ticket(session, "zendesk", f"93{n:02d}")[2].id for n in range(3)]

    def done() -> int:
        return sum(scenario.job(session, job_id).status == "done" for job_id in jobs)

    with _serving_a_request():
        stop = start_background_worker("embedded-busy")
        try:
            # Busy: one job, then a pause; the other two wait for the request to finish.
            assert scenario.poll(lambda: done() == 1)
            assert not scenario.poll(lambda: done() > 1, timeout=0.5)
        except BaseException:
            stop()
            raise
    try:
        # Idle: the pause ends at once and the queue drains at full speed.
        assert scenario.poll(lambda: done() == 3)
    finally:
        stop()
    assert len(fake_zendesk.notes(9302)) == 1


def test_a_stop_ends_the_pause_it_arrives_in(
    session: Session, fake_zendesk: FakeZendesk, monkeypatch: pytest.MonkeyPatch
) -> None:
    _configure_pause(monkeypatch, fake_zendesk, 600)
    _, _, job = scenario.routed_ticket(session, "zendesk", "9401")
    with _serving_a_request():
        stop = start_background_worker("embedded-stop")
        assert scenario.poll(lambda: scenario.job(session, job.id).status == "done")
        stop(5)  # SIGTERM mid-pause: the worker must not sit out the other ten minutes
    assert not any(t.name == "triage-worker" and t.is_alive() for t in threading.enumerate())
