"""Why an LLM call produced no answer, as short reason codes (never the provider's message,
which may echo request text)."""

from __future__ import annotations

import openai

# Reasons caused by the endpoint (they count towards the circuit breaker); the rest are the
# model's output or our own refusal.
ENDPOINT_REASONS = frozenset(
    {"timeout", "connection_error", "endpoint_rate_limited", "endpoint_5xx", "endpoint_4xx"}
)


class LlmError(Exception):
    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail
        self.tokens_in = 0
        self.tokens_out = 0
        self.latency_ms = 0.0

    @property
    def endpoint_failure(self) -> bool:
        return self.reason in ENDPOINT_REASONS


class PanInRequestError(LlmError):
    """The client refused to send: a message still held a card-shaped number. Re-asks never
    quote the model's answer, so this means the ticket text itself still held one (redaction
    missed it); a card the model wrote is "card_in_answer" instead."""

    def __init__(self) -> None:
        super().__init__("pan_in_request", "refused to send a card-shaped number")


def _chain(exc: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in seen:
        seen.append(current)
        current = current.__cause__ or current.__context__
    return seen


def _from_openai(exc: openai.OpenAIError) -> LlmError | None:
    if isinstance(exc, openai.APITimeoutError):
        return LlmError("timeout")
    if isinstance(exc, openai.APIConnectionError):
        return LlmError("connection_error")
    if isinstance(exc, openai.RateLimitError):
        return LlmError("endpoint_rate_limited", "HTTP 429")
    if isinstance(exc, openai.APIStatusError):
        family = "endpoint_5xx" if exc.status_code >= 500 else "endpoint_4xx"
        return LlmError(family, f"HTTP {exc.status_code}")
    return None


def classify_error(exc: BaseException) -> LlmError:
    """Map whatever instructor, openai or tenacity raised to one LlmError with a reason code."""
    for item in _chain(exc):
        if isinstance(item, LlmError):
            return item
        if isinstance(item, openai.OpenAIError):
            mapped = _from_openai(item)
            if mapped is not None:
                return mapped
    name = type(exc).__name__
    if name == "IncompleteOutputException":
        return LlmError("incomplete_output", "the answer was cut off")
    if name in {"InstructorRetryException", "ValidationError", "ResponseParsingError"}:
        return LlmError("invalid_output", "no valid answer after the validation retries")
    return LlmError("error", name)
