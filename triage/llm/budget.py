"""Per-team daily and monthly token budgets and a global per-minute rate limit.

Both are read from the llm_calls table, so they hold across every API and worker process that
shares the database. Budgets are checked before a call: one call may overshoot by its own size.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func
from sqlmodel import Session, col, select

from triage.config import Settings
from triage.db.engine import utcnow
from triage.llm.models import LlmCall

# Outcomes for which a request actually reached the endpoint (what the rate limit counts).
CALLED_OUTCOMES = ("ok", "invalid", "error")


@dataclass(frozen=True)
class BudgetStatus:
    team: str
    used_today: int
    used_month: int
    daily_limit: int
    monthly_limit: int

    @property
    def remaining_today(self) -> int:
        return max(self.daily_limit - self.used_today, 0)

    @property
    def remaining_month(self) -> int:
        return max(self.monthly_limit - self.used_month, 0)

    @property
    def reason(self) -> str | None:
        """Why the team may not spend more now, or None when it may."""
        if self.used_today >= self.daily_limit:
            return "team_daily_budget_exhausted"
        if self.used_month >= self.monthly_limit:
            return "team_monthly_budget_exhausted"
        return None


def period_starts(now: datetime) -> tuple[datetime, datetime]:
    """Start of the UTC day and of the UTC month containing `now`."""
    day = now.replace(hour=0, minute=0, second=0, microsecond=0)
    return day, day.replace(day=1)


def _tokens_since(session: Session, team: str, since: datetime) -> int:
    statement = select(func.coalesce(func.sum(LlmCall.tokens_in + LlmCall.tokens_out), 0)).where(
        LlmCall.team == team, col(LlmCall.created_at) >= since
    )
    return int(session.exec(statement).one())


def team_status(session: Session, settings: Settings, team: str) -> BudgetStatus:
    day, month = period_starts(utcnow())
    return BudgetStatus(
        team=team,
        used_today=_tokens_since(session, team, day),
        used_month=_tokens_since(session, team, month),
        daily_limit=settings.llm_team_daily_tokens,
        monthly_limit=settings.llm_team_monthly_tokens,
    )


def calls_last_minute(session: Session) -> int:
    since = utcnow() - timedelta(minutes=1)
    statement = select(func.count()).where(
        col(LlmCall.created_at) >= since,
        col(LlmCall.outcome).in_(CALLED_OUTCOMES),
    )
    return int(session.exec(statement).one())


def rate_limited(session: Session, settings: Settings) -> bool:
    return calls_last_minute(session) >= settings.llm_rate_limit_per_minute
