"""Queue depth and age are computed from the jobs table at scrape time."""

from datetime import timedelta

from prometheus_client import REGISTRY, generate_latest
from sqlmodel import Session

from triage.db.engine import utcnow
from triage.jobs import queue
from triage.jobs.stats import queue_stats


def test_queue_depth_and_age_and_dead_jobs_are_exported(session: Session) -> None:
    old = queue.enqueue(session, "writeback.note", ticket_id=None, payload={}, dedupe_key="a")
    old.run_at = utcnow() - timedelta(minutes=10)
    session.add(old)
    queue.enqueue(session, "writeback.note", ticket_id=None, payload={}, dedupe_key="b")
    dead = queue.enqueue(session, "writeback.note", ticket_id=None, payload={}, dedupe_key="c")
    session.commit()
    dead.status = "dead"
    session.add(dead)
    session.commit()

    stats = queue_stats(session)
    assert stats["depth"] == {"queued": 2, "running": 0, "done": 0, "dead": 1}
    assert 590 <= stats["oldest_due_age_seconds"] < 3600

    text = generate_latest(REGISTRY).decode()
    assert 'triage_job_queue_depth{status="dead"} 1.0' in text
    assert "triage_job_queue_age_seconds" in text
