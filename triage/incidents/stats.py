"""Open incidents per category, read from the database when Prometheus scrapes: every API
process reports the same figure however many workers open or resolve incidents."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from prometheus_client import REGISTRY
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import func
from sqlmodel import Session, col, select

from triage.db.engine import get_engine
from triage.incidents.models import ACTIVE, Incident

log = logging.getLogger(__name__)
_registered: list[Collector] = []


def open_counts(session: Session) -> dict[str, int]:
    query = (
        select(Incident.category, func.count())
        .where(col(Incident.status).in_(ACTIVE))
        .group_by(Incident.category)
    )
    return {category: int(n) for category, n in session.exec(query).all()}


def _family() -> GaugeMetricFamily:
    return GaugeMetricFamily(
        "triage_incidents_open", "Incidents open or acknowledged", labels=["category"]
    )


class OpenIncidentsCollector(Collector):
    def describe(self) -> Iterable[GaugeMetricFamily]:
        return [_family()]

    def collect(self) -> Iterable[GaugeMetricFamily]:
        family = _family()
        try:
            with Session(get_engine()) as session:
                counts = open_counts(session)
        except Exception as exc:  # a scrape must not fail because the database is down
            log.warning("open incidents unavailable: %s", type(exc).__name__)
            return [family]
        for category, n in sorted(counts.items()):
            family.add_metric([category], n)
        return [family]


def register() -> None:
    """Once per process (create_app runs many times in tests)."""
    if not _registered:
        collector = OpenIncidentsCollector()
        REGISTRY.register(collector)
        _registered.append(collector)
