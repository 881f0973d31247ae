"""The LLM fallback for one ticket: off, cache, budget, rate limit, breaker, then the call.

`run` never raises for anything the model or the endpoint does: every path returns an
LlmOutcome whose reason says why there is no usable answer, and every path past "off" is
recorded as an LlmCall row (tokens, cost, latency, cache hit, outcome, reason).
"""

from __future__ import annotations

import logging
import time
from dataclasses import replace

from sqlmodel import Session

from triage.config import get_settings
from triage.llm import budget, cache, telemetry
from triage.llm.breaker import breaker_for
from triage.llm.calls import LlmOutcome, Request, build_request, call, ranked_categories
from triage.llm.models import LlmCall
from triage.llm.schemas import validate_dict
from triage.routing.policy import LlmUsage, PredictionLike
from triage.tickets.models import Ticket

log = logging.getLogger(__name__)

__all__ = ["LlmOutcome", "run"]


def _from_cache(session: Session, request: Request) -> LlmOutcome | None:
    started = time.perf_counter()
    entry = cache.get(session, request.cache_key)
    result = validate_dict(request.catalog, entry.response) if entry else None
    if result is None:
        return None
    usage = LlmUsage(
        model=request.model,
        prompt_version=request.prompt_version,
        latency_ms=(time.perf_counter() - started) * 1000,
        cache_hit=True,
    )
    return LlmOutcome("cache_hit", None, result, usage=usage)


def _gate(session: Session, request: Request, team: str) -> tuple[str, str] | None:
    """Why the call may not go out now (outcome, reason), or None. The breaker is asked last
    because letting a half-open trial through reserves it."""
    status = budget.team_status(session, request.settings, team)
    telemetry.observe_budget(status)
    if status.reason:
        return "budget_exhausted", status.reason
    if budget.rate_limited(session, request.settings):
        return "rate_limited", "global_rate_limit"
    if not breaker_for(request.settings).allow():
        return "breaker_open", "circuit_breaker_open"
    return None


def _call_and_report(session: Session, request: Request) -> LlmOutcome:
    outcome = call(request)
    breaker = breaker_for(request.settings)
    if outcome.outcome == "error" and outcome.reason != "error":
        breaker.record_failure()
    elif outcome.outcome in ("ok", "invalid"):
        # The endpoint answered; a model that cannot fill the schema is not an outage.
        breaker.record_success()
    if outcome.result is not None:
        cache.put(
            session,
            request.cache_key,
            outcome.result.to_dict(),
            outcome.usage.tokens_in,
            outcome.usage.tokens_out,
        )
    return outcome


def _record(session: Session, ticket: Ticket, team: str, outcome: LlmOutcome) -> LlmOutcome:
    session.add(
        LlmCall(
            ticket_id=ticket.id,
            team=team,
            model=outcome.usage.model or "",
            prompt_version=outcome.usage.prompt_version or "",
            tokens_in=outcome.usage.tokens_in,
            tokens_out=outcome.usage.tokens_out,
            cost_usd=outcome.usage.cost_usd,
            latency_ms=outcome.usage.latency_ms,
            cache_hit=outcome.usage.cache_hit,
            outcome=outcome.outcome,
            reason=outcome.reason,
        )
    )
    session.flush()
    telemetry.observe_call(team, outcome)
    log.info(
        "llm fallback ticket=%s outcome=%s reason=%s", ticket.id, outcome.outcome, outcome.reason
    )
    return outcome


def _decide_call(session: Session, request: Request, team: str) -> LlmOutcome:
    cached = _from_cache(session, request)
    if cached is not None:
        return cached
    stop = _gate(session, request, team)
    if stop is not None:
        outcome, reason = stop
        usage = LlmUsage(model=request.model, prompt_version=request.prompt_version)
        return LlmOutcome(outcome, reason, usage=usage)
    return _call_and_report(session, request)


def run(session: Session, ticket: Ticket, prediction: PredictionLike, team: str) -> LlmOutcome:
    """The fallback for one ticket the classifier was unsure of; flushes, never commits."""
    settings = get_settings()
    if not settings.llm_enabled:
        return LlmOutcome("off", "llm_off")
    try:
        request = build_request(
            settings, ticket.subject, ticket.body, ranked_categories(prediction)
        )
    except (OSError, ValueError, KeyError) as exc:
        return LlmOutcome("error", f"setup_failed:{type(exc).__name__}")
    outcome = _decide_call(session, request, team)
    # Agreement with the classifier's guess is a cheap signal of drift in either model.
    agrees = outcome.result is not None and outcome.result.category == prediction.category
    outcome = replace(outcome, extra={"classifier_category": prediction.category, "agrees": agrees})
    return _record(session, ticket, team, outcome)
