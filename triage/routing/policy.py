"""Threshold policy: which stage decides a ticket, and why (promise 6: every decision explained).

Pure functions over the classifier's prediction, the LLM's answer and the routing rules; nothing
here touches the database, so the policy is tested without fixtures.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from triage.classify.data import UNCLEAR
from triage.routing.rules import Routes

RouteKind = Literal["auto", "auto_llm", "llm_pending", "review"]
Stage = Literal["classifier", "llm", "human"]


class PredictionLike(Protocol):
    @property
    def category(self) -> str: ...
    @property
    def confidence(self) -> float: ...
    @property
    def top(self) -> Sequence[tuple[str, float]]: ...
    @property
    def threshold(self) -> float | None: ...
    @property
    def model_version(self) -> str: ...


class LlmResultLike(Protocol):
    @property
    def category(self) -> str: ...
    @property
    def confidence(self) -> float: ...


@dataclass(frozen=True)
class LlmUsage:
    """What one LLM answer cost and who gave it: recorded with its call and its decision."""

    model: str | None = None
    prompt_version: str | None = None
    tokens_in: int = 0
    tokens_out: int = 0
    cost_usd: float = 0.0
    latency_ms: float = 0.0
    cache_hit: bool = False

    def decision_columns(self) -> dict[str, Any]:
        """The usage columns of a Decision row (promise 6: what a decision cost)."""
        return {
            "llm_model": self.model,
            "prompt_version": self.prompt_version,
            "tokens_in": self.tokens_in,
            "tokens_out": self.tokens_out,
            "cost_usd": self.cost_usd,
            "latency_ms": self.latency_ms,
            "cache_hit": self.cache_hit,
        }


NO_LLM = LlmUsage()


@dataclass(frozen=True)
class RouteDecision:
    route: RouteKind
    stage: Stage
    category: str | None
    confidence: float | None
    threshold: float | None
    team: str
    priority: str
    template_id: str | None = None
    slots: dict[str, str] = field(default_factory=dict)
    reasons: dict[str, Any] = field(default_factory=dict)
    model_version: str | None = None
    usage: LlmUsage = NO_LLM


def classifier_reasons(prediction: PredictionLike) -> dict[str, Any]:
    return {
        "category": prediction.category,
        "confidence": round(float(prediction.confidence), 4),
        "threshold": prediction.threshold,
        "top": [[c, round(float(p), 4)] for c, p in prediction.top],
        "model_version": prediction.model_version,
    }


def is_confident(prediction: PredictionLike) -> bool:
    threshold = prediction.threshold
    return threshold is not None and prediction.confidence >= threshold


def _below_reason(prediction: PredictionLike) -> str:
    if prediction.threshold is None:
        return f"category {prediction.category} never auto-routes"
    return f"below threshold {prediction.threshold:.2f}"


UNCLEAR_REASON = (
    "unclear: the ticket names no problem to route (a greeting, a call-back request, an "
    "auto-reply, thanks, a newsletter or spam)"
)


# An unsure ticket whose runner-up is "unclear" at this probability or more is treated as unclear:
# a newsletter the model half-places in fraud_risk must not inherit that team's Urgent.
UNCLEAR_RUNNER_UP = 0.3


def is_unclear(prediction: PredictionLike) -> bool:
    if prediction.category == UNCLEAR:
        return True
    runner_up = dict(prediction.top).get(UNCLEAR, 0.0)
    return not is_confident(prediction) and runner_up >= UNCLEAR_RUNNER_UP


def _unclear(prediction: PredictionLike, routes: Routes) -> RouteDecision:
    # The default review queue at its own priority: a guessed team's priority (urgent for
    # fraud_risk) would put a content-free "hi, call me" at the top of the queue.
    return RouteDecision(
        route="review",
        stage="classifier",
        category=UNCLEAR,
        confidence=float(prediction.confidence),
        threshold=None,
        team=routes.default.team,
        priority=routes.default.priority,
        reasons={"classifier": classifier_reasons(prediction), "why_review": UNCLEAR_REASON},
        model_version=prediction.model_version,
    )


def decide_from_classifier(
    prediction: PredictionLike, llm_available: bool, routes: Routes
) -> RouteDecision:
    """Confident: route now. Unsure: ask the LLM when it may be asked, else the team's review.

    A ticket the classifier finds unclear goes straight to review: the LLM can only answer
    with a category, and there is none to find.
    """
    if is_unclear(prediction):
        return _unclear(prediction, routes)
    route = routes.for_category(prediction.category)
    reasons: dict[str, Any] = {"classifier": classifier_reasons(prediction)}
    if is_confident(prediction):
        kind: RouteKind = "auto"
    elif llm_available:
        kind = "llm_pending"
        reasons["why_llm"] = f"{_below_reason(prediction)}; asking the LLM fallback"
    else:
        kind = "review"
        reasons["why_review"] = f"{_below_reason(prediction)} and LLM fallback off"
    return RouteDecision(
        route=kind,
        stage="classifier",
        category=prediction.category,
        confidence=float(prediction.confidence),
        threshold=prediction.threshold,
        team=route.team,
        priority=route.priority,
        reasons=reasons,
        model_version=prediction.model_version,
    )


def llm_slots(result: object) -> dict[str, str]:
    """Slot values from the LLM answer, as a plain name -> text mapping."""
    raw = getattr(result, "slots", None) or {}
    if isinstance(raw, Mapping):
        return {str(k): str(v) for k, v in raw.items() if v is not None}
    return {str(s.name): str(s.value) for s in raw if getattr(s, "value", None) is not None}


def _llm_reasons(result: LlmResultLike | None) -> dict[str, Any]:
    if result is None:
        return {}
    return {
        "category": result.category,
        "confidence": round(float(result.confidence), 4),
        "template_id": getattr(result, "template_id", None),
        "rationale": getattr(result, "rationale", None),
    }


def _llm_review_reason(
    result: LlmResultLike | None, reason: str | None, routes: Routes, llm_threshold: float
) -> str | None:
    if result is None:
        return reason or "LLM gave no answer"
    if not routes.knows(result.category):
        return f"LLM category {result.category!r} is not in the taxonomy"
    if result.confidence < llm_threshold:
        return f"LLM confidence {result.confidence:.2f} below threshold {llm_threshold:.2f}"
    return None


def decide_from_llm(
    prediction: PredictionLike,
    llm_result: LlmResultLike | None,
    reason: str | None,
    routes: Routes,
    llm_threshold: float,
) -> RouteDecision:
    """The LLM routes only when it is confident and inside the taxonomy; otherwise review."""
    reasons: dict[str, Any] = {"classifier": classifier_reasons(prediction)}
    if llm_result is not None:
        reasons["llm"] = _llm_reasons(llm_result)
    why_review = _llm_review_reason(llm_result, reason, routes, llm_threshold)
    if why_review is None and llm_result is not None:
        route = routes.for_category(llm_result.category)
        return RouteDecision(
            route="auto_llm",
            stage="llm",
            category=llm_result.category,
            confidence=float(llm_result.confidence),
            threshold=llm_threshold,
            team=route.team,
            priority=route.priority,
            template_id=getattr(llm_result, "template_id", None),
            slots=llm_slots(llm_result),
            reasons=reasons,
            model_version=prediction.model_version,
        )
    reasons["why_review"] = why_review
    return _llm_review(prediction, llm_result, routes, llm_threshold, reasons)


def _llm_review(
    prediction: PredictionLike,
    llm_result: LlmResultLike | None,
    routes: Routes,
    llm_threshold: float,
    reasons: dict[str, Any],
) -> RouteDecision:
    # The most likely team: the LLM's guess when it is a real category, else the classifier's.
    use_llm = llm_result is not None and routes.knows(llm_result.category)
    category = llm_result.category if use_llm and llm_result else prediction.category
    confidence = llm_result.confidence if use_llm and llm_result else prediction.confidence
    route = routes.for_category(category)
    return RouteDecision(
        route="review",
        stage="llm",
        category=category,
        confidence=float(confidence),
        threshold=llm_threshold if use_llm else prediction.threshold,
        team=route.team,
        priority=route.priority,
        reasons=reasons,
        model_version=prediction.model_version,
    )


def review_without_model(routes: Routes) -> RouteDecision:
    """No active model yet: everything waits in the default review queue, saying why."""
    return RouteDecision(
        route="review",
        stage="classifier",
        category=None,
        confidence=None,
        threshold=None,
        team=routes.default.team,
        priority=routes.default.priority,
        reasons={"why_review": "no active model: every ticket is reviewed until one is promoted"},
    )
