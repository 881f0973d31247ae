"""Bounded retries with backoff on 429 and 5xx, honouring Retry-After (tenacity)."""

from __future__ import annotations

import random
from email.utils import parsedate_to_datetime

import openai
from tenacity import RetryCallState, Retrying, retry_if_exception, stop_after_attempt

from triage.config import Settings
from triage.db.engine import utcnow

# A Retry-After longer than this is not waited out inside a job: the call fails and the
# ticket goes to review, rather than holding a worker hostage to the endpoint.
MAX_RETRY_AFTER_SECONDS = 30.0
MAX_BACKOFF_SECONDS = 8.0


def retry_after_seconds(headers: dict[str, str] | None) -> float | None:
    """Seconds asked for by Retry-After / retry-after-ms, or None when absent or unreadable."""
    if not headers:
        return None
    lowered = {k.lower(): v for k, v in headers.items()}
    if "retry-after-ms" in lowered:
        try:
            return max(float(lowered["retry-after-ms"]) / 1000, 0.0)
        except ValueError:
            pass
    value = lowered.get("retry-after")
    if value is None:
        return None
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    try:
        return max((parsedate_to_datetime(value) - utcnow()).total_seconds(), 0.0)
    except (TypeError, ValueError):
        return None


def _headers(exc: BaseException | None) -> dict[str, str] | None:
    if isinstance(exc, openai.APIStatusError):
        return dict(exc.response.headers)
    return None


def is_retryable(exc: BaseException) -> bool:
    if not isinstance(exc, openai.APIStatusError):
        return False
    if exc.status_code != 429 and exc.status_code < 500:
        return False
    wait = retry_after_seconds(_headers(exc))
    return wait is None or wait <= MAX_RETRY_AFTER_SECONDS


def backoff_seconds(attempt: int, base: float, retry_after: float | None) -> float:
    """Retry-After when the server gave one; otherwise exponential backoff with jitter."""
    if retry_after is not None:
        return retry_after
    return min(base * 2 ** (attempt - 1), MAX_BACKOFF_SECONDS) + random.uniform(0, base)


def retrying(settings: Settings) -> Retrying:
    def wait(state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        retry_after = retry_after_seconds(_headers(exc))
        return backoff_seconds(state.attempt_number, settings.llm_backoff_base_seconds, retry_after)

    return Retrying(
        stop=stop_after_attempt(settings.llm_max_retries + 1),
        wait=wait,
        retry=retry_if_exception(is_retryable),
        reraise=True,
    )
