"""One LLM call for one ticket, without cache, budget or breaker: shared by the fallback job
and the cascade evaluation."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from triage.classify import data as classify_data
from triage.config import Settings
from triage.llm import cache
from triage.llm.catalog import Catalog, load_catalog
from triage.llm.client import LlmClient
from triage.llm.errors import LlmError
from triage.llm.prompt import load_prompt, render_messages, version_for
from triage.llm.schemas import LlmResult, response_model
from triage.redaction import engine as redaction
from triage.routing.policy import NO_LLM, LlmUsage, PredictionLike


@dataclass(frozen=True)
class LlmOutcome:
    """ok / cache_hit carry a result; every other outcome carries the reason there is none.

    Outcomes: ok, cache_hit, invalid (no valid answer after validation retries), error
    (endpoint failure), refused (a PAN was about to be sent), breaker_open, budget_exhausted,
    rate_limited, off.
    """

    outcome: str
    reason: str | None
    result: LlmResult | None = None
    usage: LlmUsage = NO_LLM
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Request:
    settings: Settings
    catalog: Catalog
    candidates: tuple[str, ...]  # categories offered with their templates
    messages: list[dict[str, str]]
    prompt_version: str
    model: str
    cache_key: str


def cost_usd(settings: Settings, tokens_in: int, tokens_out: int) -> float:
    dollars = (
        tokens_in / 1000 * settings.llm_price_in_per_1k
        + tokens_out / 1000 * settings.llm_price_out_per_1k
    )
    return round(dollars, 8)


def ranked_categories(prediction: PredictionLike) -> list[str]:
    """The classifier's categories, most likely first (its top list, then its best guess)."""
    ranked = sorted(prediction.top, key=lambda pair: pair[1], reverse=True)
    return [category for category, _ in ranked] + [prediction.category]


def build_request(
    settings: Settings, subject: str, body: str, ranked: Sequence[str] = ()
) -> Request:
    """Messages for one ticket, offering the templates of the first llm_candidates categories
    of `ranked`; the text is redacted again even though it was stored redacted."""
    catalog = load_catalog(settings.labels_dir)
    candidates = catalog.candidates(ranked, settings.llm_candidates) or catalog.category_ids
    prompt = load_prompt()
    text = redaction.redact(classify_data.ticket_text(subject, body)).text
    version = version_for(prompt, catalog)
    model = settings.llm_model or ""
    messages = render_messages(prompt, catalog, candidates, text, settings.llm_max_ticket_chars)
    return Request(
        settings=settings,
        catalog=catalog,
        candidates=candidates,
        messages=messages,
        prompt_version=version,
        model=model,
        # The messages are what was asked: same messages, same answer.
        cache_key=cache.cache_key(version, model, json.dumps(messages, sort_keys=True)),
    )


def failure_outcome(exc: LlmError) -> str:
    if exc.reason == "pan_in_request":
        return "refused"
    return "error" if exc.endpoint_failure or exc.reason == "error" else "invalid"


def call(request: Request) -> LlmOutcome:
    settings = request.settings
    with LlmClient(settings) as client:
        try:
            model = response_model(request.catalog, request.candidates)
            completion = client.complete(request.messages, model)
        except LlmError as exc:
            spent = _usage(request, exc.tokens_in, exc.tokens_out, exc.latency_ms)
            return LlmOutcome(failure_outcome(exc), exc.reason, usage=spent)
    tokens = completion.usage
    return LlmOutcome(
        "ok",
        None,
        LlmResult.from_answer(completion.answer),  # type: ignore[arg-type]
        usage=_usage(request, tokens.tokens_in, tokens.tokens_out, completion.latency_ms),
    )


def _usage(request: Request, tokens_in: int, tokens_out: int, latency_ms: float) -> LlmUsage:
    return LlmUsage(
        model=request.model,
        prompt_version=request.prompt_version,
        tokens_in=tokens_in,
        tokens_out=tokens_out,
        cost_usd=cost_usd(request.settings, tokens_in, tokens_out),
        latency_ms=latency_ms,
    )
