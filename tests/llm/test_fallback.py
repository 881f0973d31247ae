"""fallback.run: every path ends in an outcome with a reason and an LlmCall row."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from prometheus_client import REGISTRY
from sqlmodel import Session

from tests.fakes import openai_server as fake
from tests.fakes.openai_server import FakeOpenAI
from tests.llm.helpers import VALID, calls, guess, make_ticket, reply
from triage.config import Settings
from triage.db.engine import utcnow
from triage.llm import fallback
from triage.llm.budget import period_starts
from triage.llm.models import LlmCall

Configure = Callable[..., Settings]
BODY = "Hi, batch B-20240314-02 from Thursday never reached our account. Can you check?"


def run(session: Session, body: str = BODY, team: str = "settlements") -> fallback.LlmOutcome:
    return fallback.run(session, make_ticket(session, body), guess(), team)


def test_off_when_not_configured(session: Session, fake_llm: FakeOpenAI) -> None:
    outcome = run(session)
    assert (outcome.outcome, outcome.reason, outcome.result) == ("off", "llm_off", None)
    assert calls(session) == [] and fake_llm.requests == []


def test_valid_answer_is_recorded_with_usage(
    session: Session, configure: Configure, fake_llm: FakeOpenAI
) -> None:
    settings = configure(TRIAGE_LLM_PRICE_IN_PER_1K="0.001", TRIAGE_LLM_PRICE_OUT_PER_1K="0.002")
    fake_llm.set_script(reply(**VALID))
    before = REGISTRY.get_sample_value("triage_llm_calls_total", {"outcome": "ok"}) or 0
    outcome = run(session)
    assert outcome.outcome == "ok" and outcome.result is not None
    assert REGISTRY.get_sample_value("triage_llm_calls_total", {"outcome": "ok"}) == before + 1
    tokens = {"team": "settlements", "model": "fake-model", "direction": "in"}
    assert (REGISTRY.get_sample_value("triage_llm_tokens_total", tokens) or 0) >= 120
    assert outcome.result.category == "settlement_delay"
    assert outcome.extra == {"classifier_category": "settlement_delay", "agrees": True}
    [row] = calls(session)
    assert (row.tokens_in, row.tokens_out, row.outcome, row.cache_hit) == (120, 30, "ok", False)
    assert row.cost_usd == 0.00018
    assert row.team == "settlements" and row.model == settings.llm_model
    assert row.prompt_version.startswith("classify_v2-") and row.latency_ms > 0


def test_cache_hit_avoids_a_call(
    session: Session, configure: Configure, fake_llm: FakeOpenAI
) -> None:
    configure()
    fake_llm.set_script(reply(**VALID))
    first, second = run(session), run(session)
    assert (first.outcome, second.outcome) == ("ok", "cache_hit")
    assert second.result == first.result
    assert len(fake_llm.requests) == 1
    hit = calls(session)[1]
    assert hit.cache_hit and (hit.tokens_in, hit.tokens_out, hit.cost_usd) == (0, 0, 0.0)


def test_daily_budget_exhausted_goes_to_review_without_a_call(
    session: Session, configure: Configure, fake_llm: FakeOpenAI
) -> None:
    configure(TRIAGE_LLM_TEAM_DAILY_TOKENS="400")
    fake_llm.set_script(reply(**VALID))
    session.add(
        LlmCall(
            team="settlements",
            model="m",
            prompt_version="p",
            tokens_in=380,
            tokens_out=40,
            outcome="ok",
        )
    )
    outcome = run(session)
    assert (outcome.outcome, outcome.reason) == ("budget_exhausted", "team_daily_budget_exhausted")
    assert fake_llm.requests == []
    assert run(session, team="disputes").outcome == "ok"  # other teams keep their budget


def test_monthly_budget_exhausted(
    session: Session, configure: Configure, fake_llm: FakeOpenAI
) -> None:
    configure(TRIAGE_LLM_TEAM_MONTHLY_TOKENS="1000")
    month_start = period_starts(utcnow())[1]
    session.add(
        LlmCall(
            team="settlements",
            model="m",
            prompt_version="p",
            tokens_in=1000,
            outcome="ok",
            created_at=month_start,
        )
    )
    session.add(
        LlmCall(
            team="settlements",
            model="m",
            prompt_version="p",
            tokens_in=5000,
            outcome="ok",
            created_at=month_start - timedelta(seconds=1),
        )
    )
    assert run(session).reason == "team_monthly_budget_exhausted"
    assert fake_llm.requests == []


def test_global_rate_limit(session: Session, configure: Configure, fake_llm: FakeOpenAI) -> None:
    configure(TRIAGE_LLM_RATE_LIMIT_PER_MINUTE="1")
    fake_llm.set_script(reply(**VALID))
    assert run(session).outcome == "ok"
    outcome = run(session, body="A different ticket about a late deposit.")
    assert (outcome.outcome, outcome.reason) == ("rate_limited", "global_rate_limit")
    assert len(fake_llm.requests) == 1


def test_breaker_opens_after_failures_and_stops_calls(
    session: Session, configure: Configure, fake_llm: FakeOpenAI
) -> None:
    configure(TRIAGE_LLM_BREAKER_FAILURES="2", TRIAGE_LLM_MAX_RETRIES="0")
    fake_llm.set_script(fake.error(503))
    outcomes = [run(session, body=f"Deposit {n} missing").outcome for n in range(4)]
    assert outcomes == ["error", "error", "breaker_open", "breaker_open"]
    assert len(fake_llm.requests) == 2
    assert [c.reason for c in calls(session)][-1] == "circuit_breaker_open"


def test_timeout_is_an_error_with_a_reason(
    session: Session, configure: Configure, fake_llm: FakeOpenAI
) -> None:
    configure(TRIAGE_LLM_TIMEOUT_SECONDS="0.3")
    fake_llm.set_script(fake.slow(30))
    outcome = run(session)
    assert (outcome.outcome, outcome.reason, outcome.result) == ("error", "timeout", None)


def test_invalid_answers_record_the_tokens_spent(
    session: Session, configure: Configure, fake_llm: FakeOpenAI
) -> None:
    configure(TRIAGE_LLM_VALIDATION_RETRIES="2")
    fake_llm.set_script(reply(**{**VALID, "category": "money_missing"}))
    outcome = run(session)
    assert (outcome.outcome, outcome.reason) == ("invalid", "invalid_output")
    assert len(fake_llm.requests) == 3
    assert (outcome.usage.tokens_in, outcome.usage.tokens_out) == (360, 90)
    assert calls(session)[0].tokens_in == 360


def test_a_pan_left_in_stored_text_is_redacted_before_sending(
    session: Session, configure: Configure, fake_llm: FakeOpenAI
) -> None:
    configure()
    fake_llm.set_script(reply(**VALID))
    outcome = run(session, body="Customer card 4111-1111-1111-1111 was charged but no settlement")
    assert outcome.outcome == "ok"
    sent = fake_llm.requests[0].text
    assert "4111-1111-1111-1111" not in sent and "4111111111111111" not in sent
