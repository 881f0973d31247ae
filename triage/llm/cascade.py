"""Evaluate the whole cascade on a golden set: classifier, then the LLM fallback for the
tickets the classifier is unsure of, with the same routing policy production uses.

It makes real calls to the configured endpoint (no cache, no team budget), so the figures are
what a fresh deployment would see: accuracy, auto rate, LLM call rate, tokens and cost per
1000 tickets.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from triage.classify import data as classify_data
from triage.config import Settings
from triage.llm import calls
from triage.llm.breaker import CircuitBreaker
from triage.redaction import engine as redaction
from triage.routing import policy, rules

AUTO_ROUTES = ("auto", "auto_llm")


class Classifier(Protocol):
    def predict(self, text: str) -> Any: ...


@dataclass
class Tally:
    n: int = 0
    correct: int = 0
    auto: int = 0
    auto_correct: int = 0
    llm_calls: int = 0
    tokens_in: int = 0
    tokens_out: int = 0
    cost_usd: float = 0.0
    llm_latency_ms: float = 0.0
    max_tokens_in: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)
    routes: Counter[str] = field(default_factory=Counter)

    def add(self, label: str, decision: policy.RouteDecision) -> None:
        self.n += 1
        right = decision.category == label
        self.correct += right
        self.routes[decision.route] += 1
        if decision.route in AUTO_ROUTES:
            self.auto += 1
            self.auto_correct += right

    def add_llm(self, outcome: calls.LlmOutcome) -> None:
        self.outcomes[outcome.outcome] += 1
        if outcome.outcome in ("ok", "invalid", "error"):
            self.llm_calls += 1
        self.tokens_in += outcome.usage.tokens_in
        self.tokens_out += outcome.usage.tokens_out
        self.max_tokens_in = max(self.max_tokens_in, outcome.usage.tokens_in)
        self.cost_usd += outcome.usage.cost_usd
        self.llm_latency_ms += outcome.usage.latency_ms

    def summary(self) -> dict[str, Any]:
        n = max(self.n, 1)
        per_1000 = 1000 / n
        return {
            "n": self.n,
            "accuracy": round(self.correct / n, 4),
            "auto_rate": round(self.auto / n, 4),
            "auto_precision": round(self.auto_correct / self.auto, 4) if self.auto else None,
            "llm_call_rate": round(self.llm_calls / n, 4),
            "llm_outcomes": dict(self.outcomes),
            "routes": dict(self.routes),
            "tokens_in": self.tokens_in,
            "tokens_out": self.tokens_out,
            "tokens_per_1000_tickets": round((self.tokens_in + self.tokens_out) * per_1000, 1),
            "tokens_in_per_1000_tickets": round(self.tokens_in * per_1000, 1),
            "tokens_out_per_1000_tickets": round(self.tokens_out * per_1000, 1),
            "tokens_in_per_llm_call": (
                round(self.tokens_in / self.llm_calls, 1) if self.llm_calls else None
            ),
            "max_tokens_in_per_ticket": self.max_tokens_in,
            "cost_usd": round(self.cost_usd, 6),
            "cost_per_1000_tickets_usd": round(self.cost_usd * per_1000, 6),
            "llm_mean_latency_ms": (
                round(self.llm_latency_ms / self.llm_calls, 1) if self.llm_calls else None
            ),
        }


def _fields(row: Mapping[str, Any]) -> tuple[str, str]:
    """Golden rows are {"text"} or {"subject", "body"}; redacted as the webhook would."""
    if "text" in row:
        return "", redaction.redact(str(row["text"])).text
    subject = redaction.redact(str(row.get("subject") or "")).text
    return subject, redaction.redact(str(row.get("body") or "")).text


def _ask_llm(
    settings: Settings, breaker: CircuitBreaker, subject: str, body: str, prediction: Any
) -> Any:
    if not breaker.allow():
        return calls.LlmOutcome("breaker_open", "circuit_breaker_open")
    ranked = calls.ranked_categories(prediction)
    outcome = calls.call(calls.build_request(settings, subject, body, ranked))
    if outcome.outcome == "error":
        breaker.record_failure()
    else:
        breaker.record_success()
    return outcome


def evaluate(model: Classifier, rows: Iterable[Mapping[str, Any]], settings: Settings) -> dict:
    """Run every row through classifier -> (LLM) -> policy and summarise the cascade."""
    routes = rules.load_routes(settings.labels_dir)
    breaker = CircuitBreaker(settings.llm_breaker_failures, settings.llm_breaker_cooldown_seconds)
    tally = Tally()
    for row in rows:
        subject, body = _fields(row)
        prediction = model.predict(classify_data.ticket_text(subject, body))
        decision = policy.decide_from_classifier(prediction, settings.llm_enabled, routes)
        if decision.route == "llm_pending":
            outcome = _ask_llm(settings, breaker, subject, body, prediction)
            tally.add_llm(outcome)
            decision = policy.decide_from_llm(
                prediction,
                outcome.result,
                outcome.reason,
                routes,
                settings.llm_confidence_threshold,
            )
        tally.add(str(row["label"]), decision)
    summary = tally.summary()
    summary["llm_enabled"] = settings.llm_enabled
    return summary
