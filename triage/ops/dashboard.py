"""The figures behind the lead dashboard, computed with aggregate queries over a window of days.

Everything is counts, rates and ids (categories, teams, versions): never ticket text.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from triage.audit.models import AuditEvent
from triage.config import Settings
from triage.db.engine import utcnow
from triage.incidents import queries as incidents
from triage.ops import usage
from triage.ops.timeseries import day_of, days, ratio, series
from triage.tickets.models import Correction, Reply, ReplyStatus, Ticket, TicketStatus

AUTO_ROUTES = ("auto", "auto_llm")
AGE_BUCKETS = (("under 1 h", 1), ("1–4 h", 4), ("4–24 h", 24), ("1–3 d", 72), ("over 3 d", None))


def tickets_per_day(session: Session, since: datetime, labels: list[str]) -> dict[str, Any]:
    day = day_of(session, Ticket.created_at)
    query = (
        select(day, Ticket.category, Ticket.route, func.count())
        .where(col(Ticket.created_at) >= since)
        .group_by(day, col(Ticket.category), col(Ticket.route))
    )
    by_category: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    auto: dict[str, float] = defaultdict(float)
    total: dict[str, float] = defaultdict(float)
    for bucket, category, route, n in session.exec(query).all():
        by_category[category or "unclassified"][bucket] += n
        total[bucket] += n
        if route in AUTO_ROUTES:
            auto[bucket] += n
    counts = {name: series(labels, by_category[name]) for name in sorted(by_category)}
    totals, autos = series(labels, total), series(labels, auto)
    return {
        "counts": counts,
        "total": totals,
        "auto_route": {
            "auto": autos,
            "rate": [ratio(a, t) for a, t in zip(autos, totals, strict=True)],
            "overall": ratio(sum(autos), sum(totals)),
        },
    }


def backlog(session: Session, now: datetime) -> dict[str, Any]:
    """Tickets waiting for a category decision: how many, per team, and how old."""
    rows = session.exec(
        select(Ticket.team, Ticket.created_at).where(Ticket.status == TicketStatus.IN_REVIEW)
    ).all()
    ages = [
        (team or "unassigned", (now - created).total_seconds() / 3600) for team, created in rows
    ]
    by_team: dict[str, dict[str, float]] = {}
    for team, hours in ages:
        entry = by_team.setdefault(team, {"n": 0, "oldest_hours": 0.0})
        entry["n"] += 1
        entry["oldest_hours"] = round(max(entry["oldest_hours"], hours), 1)
    buckets = {name: 0 for name, _ in AGE_BUCKETS}
    for _team, hours in ages:
        buckets[_bucket(hours)] += 1
    return {
        "total": len(ages),
        "oldest_hours": round(max((h for _, h in ages), default=0.0), 1),
        "by_team": dict(sorted(by_team.items())),
        "age_buckets": buckets,
        "replies": reply_backlog(session, now),
    }


MODEL_EVENTS = {"model.activate": "promoted", "model.rollback": "rolled back to"}


def model_events(session: Session, since: datetime) -> list[dict[str, Any]]:
    """Promotions and rollbacks in the window, oldest first, to mark on the time charts."""
    query = (
        select(AuditEvent)
        .where(col(AuditEvent.action).in_(list(MODEL_EVENTS)), col(AuditEvent.at) >= since)
        .order_by(col(AuditEvent.id))
    )
    return [
        {
            "day": event.at.date().isoformat(),
            "what": MODEL_EVENTS[event.action],
            "version": (event.after or {}).get("active"),
            "actor": event.actor,
        }
        for event in session.exec(query)
    ]


def reply_backlog(session: Session, now: datetime) -> dict[str, Any]:
    """Replies waiting for an analyst: drafts to approve on settled tickets, and sends that
    failed and wait for a retry."""
    settled = (TicketStatus.AUTO_ROUTED, TicketStatus.REVIEWED)
    waiting = (col(Reply.status) == ReplyStatus.DRAFT) & col(Ticket.status).in_(settled)
    rows = session.exec(
        select(Ticket.team, Ticket.created_at, Reply.status)
        .join(Reply, col(Reply.ticket_id) == col(Ticket.id))
        .where(waiting | (col(Reply.status) == ReplyStatus.SEND_FAILED))
    ).all()
    by_team: dict[str, dict[str, Any]] = {}
    for team, created, status in rows:
        entry = by_team.setdefault(team or "unassigned", _reply_entry())
        entry["drafts" if status == ReplyStatus.DRAFT else "send_failed"] += 1
        hours = (now - created).total_seconds() / 3600
        entry["oldest_hours"] = round(max(entry["oldest_hours"], hours), 1)
    drafts = sum(e["drafts"] for e in by_team.values())
    failed = sum(e["send_failed"] for e in by_team.values())
    return {
        "total": drafts + failed,
        "drafts": drafts,
        "send_failed": failed,
        "by_team": dict(sorted(by_team.items())),
    }


def _reply_entry() -> dict[str, Any]:
    return {"drafts": 0, "send_failed": 0, "oldest_hours": 0.0}


def _bucket(hours: float) -> str:
    for name, limit in AGE_BUCKETS:
        if limit is None or hours < limit:
            return name
    return AGE_BUCKETS[-1][0]


def _first_verdicts(session: Session, since: datetime) -> list[tuple[str, str, bool]]:
    """(category the machine chose, model version, corrected?) for each ticket's first verdict."""
    query = (
        select(Correction, Ticket.model_version)
        .join(Ticket, col(Ticket.id) == col(Correction.ticket_id))
        .where(col(Correction.created_at) >= since)
        .order_by(col(Correction.created_at), col(Correction.id))
    )
    first: dict[int, tuple[str, str, bool]] = {}
    for correction, version in session.exec(query).all():
        if correction.ticket_id not in first:
            corrected = correction.old_category != correction.new_category
            first[correction.ticket_id] = (
                correction.old_category or "none",
                version or "none",
                corrected,
            )
    return list(first.values())


def _rates(pairs: list[tuple[str, bool]]) -> dict[str, dict[str, Any]]:
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for key, corrected in pairs:
        counts[key][0] += 1
        counts[key][1] += int(corrected)
    return {
        key: {"reviewed": n, "corrected": c, "rate": ratio(c, n)}
        for key, (n, c) in sorted(counts.items())
    }


def corrections(session: Session, since: datetime) -> dict[str, Any]:
    verdicts = _first_verdicts(session, since)
    corrected = sum(1 for *_, c in verdicts if c)
    return {
        "reviewed": len(verdicts),
        "corrected": corrected,
        "rate": ratio(corrected, len(verdicts)),
        "by_category": _rates([(category, c) for category, _v, c in verdicts]),
        "by_model_version": _rates([(version, c) for _cat, version, c in verdicts]),
    }


def by_model_version(session: Session, since: datetime) -> dict[str, dict[str, Any]]:
    """Tickets each model version decided in the window and the share it routed on its own."""
    query = (
        select(Ticket.model_version, Ticket.route, func.count())
        .where(col(Ticket.created_at) >= since)
        .group_by(col(Ticket.model_version), col(Ticket.route))
    )
    result: dict[str, dict[str, Any]] = {}
    for version, route, n in session.exec(query).all():
        entry = result.setdefault(version or "none", {"tickets": 0, "auto": 0})
        entry["tickets"] += n
        entry["auto"] += n if route in AUTO_ROUTES else 0
    for entry in result.values():
        entry["auto_rate"] = ratio(entry["auto"], entry["tickets"])
    return dict(sorted(result.items()))


def build(session: Session, settings: Settings, window_days: int = 14) -> dict[str, Any]:
    """Every section of the dashboard for the last `window_days` UTC days."""
    now = utcnow()
    since, labels = days(window_days, now)
    tickets = tickets_per_day(session, since, labels)
    return {
        "window": {"days": window_days, "since": since.isoformat(), "until": now.isoformat()},
        "days": labels,
        "tickets_per_day": {"counts": tickets["counts"], "total": tickets["total"]},
        "auto_route": tickets["auto_route"],
        "backlog": backlog(session, now),
        "model_events": model_events(session, since),
        "corrections": corrections(session, since),
        "model_versions": by_model_version(session, since),
        "llm": usage.llm_usage(session, settings, since, labels),
        "jobs": usage.job_health(session, since, labels),
        "incidents": {"opened": incidents.opened_per_day(session, since, labels)},
    }
