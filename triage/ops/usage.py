"""LLM spend per team per day against the budget, and the health of write-back and other jobs."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import func
from sqlmodel import Session, col, select

from triage.config import Settings
from triage.jobs import stats
from triage.jobs.models import Job, JobStatus, TaskKind, has_status
from triage.llm import budget
from triage.llm.models import LlmCall
from triage.ops.timeseries import day_of, series

WRITEBACK_KINDS = (TaskKind.WRITEBACK_NOTE, TaskKind.REVIEW_SEND_REPLY)
RECENT_DEAD = 10


def llm_usage(
    session: Session, settings: Settings, since: datetime, labels: list[str]
) -> dict[str, Any]:
    """Calls, tokens and cost per team per day, and each team's budget left today."""
    day = day_of(session, LlmCall.created_at)
    query = (
        sa.select(
            day,
            col(LlmCall.team),
            func.count(),
            func.sum(LlmCall.tokens_in + LlmCall.tokens_out),
            func.sum(LlmCall.cost_usd),
        )
        .where(col(LlmCall.created_at) >= since)
        .group_by(day, col(LlmCall.team))
    )
    calls: dict[str, dict[str, float]] = defaultdict(dict)
    tokens: dict[str, dict[str, float]] = defaultdict(dict)
    cost: dict[str, dict[str, float]] = defaultdict(dict)
    for bucket, team, n, used, usd in session.execute(query).all():
        calls[team][bucket] = int(n)
        tokens[team][bucket] = int(used or 0)
        cost[team][bucket] = round(float(usd or 0.0), 6)
    teams = sorted(calls)
    return {
        "teams": teams,
        "calls": {t: series(labels, calls[t]) for t in teams},
        "tokens": {t: series(labels, tokens[t]) for t in teams},
        "cost_usd": {t: series(labels, cost[t]) for t in teams},
        "daily_budget_tokens": settings.llm_team_daily_tokens,
        "monthly_budget_tokens": settings.llm_team_monthly_tokens,
        "today": {t: _budget_today(session, settings, t) for t in teams},
    }


def _budget_today(session: Session, settings: Settings, team: str) -> dict[str, Any]:
    status = budget.team_status(session, settings, team)
    return {
        "used": status.used_today,
        "remaining": status.remaining_today,
        "used_month": status.used_month,
        "remaining_month": status.remaining_month,
        "exhausted": status.reason is not None,
    }


def job_health(session: Session, since: datetime, labels: list[str]) -> dict[str, Any]:
    """Dead jobs per kind, write-back failures per day, retries in flight and the queue."""
    day = day_of(session, Job.updated_at)
    dead_daily = session.exec(
        select(day, Job.kind, func.count())
        .where(has_status(JobStatus.DEAD), col(Job.updated_at) >= since)
        .group_by(day, col(Job.kind))
    ).all()
    failures: dict[str, float] = defaultdict(float)
    for bucket, kind, n in dead_daily:
        if kind in WRITEBACK_KINDS:
            failures[bucket] += n
    dead_by_kind = session.exec(
        select(Job.kind, func.count()).where(has_status(JobStatus.DEAD)).group_by(col(Job.kind))
    ).all()
    retrying = session.exec(
        select(func.count()).where(
            col(Job.kind).in_(WRITEBACK_KINDS),
            has_status(JobStatus.QUEUED),
            col(Job.attempts) > 0,
        )
    ).one()
    return {
        "dead_by_kind": {kind: int(n) for kind, n in sorted(dead_by_kind)},
        "writeback_failures": series(labels, failures),
        "writeback_retrying": int(retrying),
        "recent_dead": _recent_dead(session),
        "queue": stats.queue_stats(session),
    }


def _recent_dead(session: Session) -> list[dict[str, Any]]:
    # last_error is stored redacted and without ticket text by the worker.
    query = select(Job).where(has_status(JobStatus.DEAD)).order_by(col(Job.updated_at).desc())
    rows = session.exec(query.limit(RECENT_DEAD)).all()
    return [
        {
            "id": job.id,
            "kind": job.kind,
            "ticket_id": job.ticket_id,
            "attempts": job.attempts,
            "last_error": job.last_error,
            "updated_at": job.updated_at.isoformat(),
        }
        for job in rows
    ]
