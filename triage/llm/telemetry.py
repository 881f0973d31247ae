"""Feeds the LLM metrics in triage/metrics.py."""

from __future__ import annotations

from typing import TYPE_CHECKING

from triage import metrics

if TYPE_CHECKING:
    from triage.llm.budget import BudgetStatus
    from triage.llm.calls import LlmOutcome


def observe_call(team: str, outcome: LlmOutcome) -> None:
    metrics.LLM_CALLS.labels(outcome=outcome.outcome).inc()
    if outcome.outcome in ("off", "budget_exhausted", "rate_limited", "breaker_open"):
        return
    model = outcome.usage.model or "unknown"
    metrics.LLM_LATENCY.labels(team=team, model=model).observe(outcome.usage.latency_ms / 1000)
    metrics.LLM_TOKENS.labels(team=team, model=model, direction="in").inc(outcome.usage.tokens_in)
    metrics.LLM_TOKENS.labels(team=team, model=model, direction="out").inc(outcome.usage.tokens_out)
    metrics.LLM_COST.labels(team=team, model=model).inc(outcome.usage.cost_usd)


def observe_budget(status: BudgetStatus) -> None:
    metrics.LLM_BUDGET_REMAINING.labels(team=status.team, period="day").set(status.remaining_today)
    metrics.LLM_BUDGET_REMAINING.labels(team=status.team, period="month").set(
        status.remaining_month
    )
