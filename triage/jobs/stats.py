"""Queue depth and age, computed from the jobs table when Prometheus scrapes."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import UTC, datetime
from functools import cache
from typing import Any

from prometheus_client import REGISTRY
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import func
from sqlmodel import Session, col, select

from triage.db.engine import get_engine, utcnow
from triage.jobs.models import Job, JobStatus, has_status

log = logging.getLogger(__name__)
STATUSES = tuple(JobStatus)


def queue_stats(session: Session) -> dict[str, Any]:
    """Jobs per status, and the age in seconds of the oldest job that is due but not taken."""
    rows = session.exec(select(Job.status, func.count()).group_by(Job.status)).all()
    depth = {status: 0 for status in STATUSES} | {status: int(n) for status, n in rows}
    now = utcnow()
    oldest = session.exec(
        select(func.min(Job.run_at)).where(has_status(JobStatus.QUEUED), col(Job.run_at) <= now)
    ).one()
    age = 0.0
    if oldest is not None:
        # SQLite hands back the aggregate without the column type, so as a naive value or text.
        age = max(0.0, (now - _as_aware(oldest)).total_seconds())
    return {"depth": depth, "oldest_due_age_seconds": age}


def _as_aware(value: Any) -> datetime:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _families() -> tuple[GaugeMetricFamily, GaugeMetricFamily]:
    depth = GaugeMetricFamily("triage_job_queue_depth", "Jobs by status", labels=["status"])
    age = GaugeMetricFamily(
        "triage_job_queue_age_seconds", "Age of the oldest due job still waiting"
    )
    return depth, age


class QueueCollector(Collector):
    def describe(self) -> Iterable[GaugeMetricFamily]:
        return _families()

    def collect(self) -> Iterable[GaugeMetricFamily]:
        depth, age = _families()
        try:
            with Session(get_engine()) as session:
                stats = queue_stats(session)
        except Exception as exc:  # a scrape must not fail because the database is down
            log.warning("queue metrics unavailable: %s", type(exc).__name__)
            return []
        for status, n in stats["depth"].items():
            depth.add_metric([status], n)
        age.add_metric([], stats["oldest_due_age_seconds"])
        return [depth, age]


@cache
def register_collector() -> None:
    """Expose the job-queue gauges on /metrics, once per process. They are read from the
    database at scrape time, so they show every worker's jobs whichever process is scraped."""
    REGISTRY.register(QueueCollector())
