"""Whether the LLM fallback is on, and its breaker state, for the UI and metrics."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from triage import metrics
from triage.config import Settings
from triage.llm.breaker import breaker_for


def status(settings: Settings) -> dict[str, Any]:
    """A small, secret-free summary: the endpoint's host only, never the key or full URL."""
    if not settings.llm_enabled:
        metrics.LLM_ENABLED.set(0)
        metrics.LLM_BREAKER_OPEN.set(0)
        return {"enabled": False, "state": "off", "reason": "TRIAGE_LLM_BASE_URL or MODEL unset"}
    breaker = breaker_for(settings)
    state = breaker.state
    metrics.LLM_ENABLED.set(1)
    metrics.LLM_BREAKER_OPEN.set(1 if state == "open" else 0)
    return {
        "enabled": True,
        "state": "breaker_open" if state == "open" else "on",
        "endpoint_host": urlsplit(settings.llm_base_url or "").hostname,
        "model": settings.llm_model,
        "mode": settings.llm_mode,
        "breaker": {
            "state": state,
            "consecutive_failures": breaker.failures,
            "cooldown_remaining_seconds": round(breaker.remaining_cooldown(), 1),
        },
    }
