"""instructor over the openai client, for any OpenAI-compatible endpoint.

Configured by TRIAGE_LLM_BASE_URL, TRIAGE_LLM_API_KEY and TRIAGE_LLM_MODEL. Azure OpenAI works
through the same settings with its v1 API: TRIAGE_LLM_BASE_URL=
https://<resource>.openai.azure.com/openai/v1/, TRIAGE_LLM_API_KEY=<key>, TRIAGE_LLM_MODEL=
<deployment name>. TRIAGE_LLM_MODE is "tools" (instructor Mode.TOOLS, default; works with the
llama.cpp server) or "json" (Mode.JSON, for endpoints without tool calling).

A rejected answer is re-asked by us, not by instructor: the re-ask repeats the original messages
and names the fields that failed and why, never the rejected text (reask.py). Every request
passes through `_send`, which refuses to send anything holding a card-shaped number (promise 1;
since no model output is ever sent back, that can only be ticket text that redaction missed)
and retries 429 and 5xx answers with bounded backoff that honours Retry-After.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import instructor
import openai
from pydantic import BaseModel

from triage.config import Settings
from triage.llm import reask, retries
from triage.llm.errors import LlmError, PanInRequestError, classify_error
from triage.redaction import engine as redaction


@dataclass
class Usage:
    tokens_in: int = 0
    tokens_out: int = 0
    requests: int = 0

    def add(self, response: Any) -> None:
        self.requests += 1
        usage = getattr(response, "usage", None)
        if usage is not None:
            self.tokens_in += int(getattr(usage, "prompt_tokens", 0) or 0)
            self.tokens_out += int(getattr(usage, "completion_tokens", 0) or 0)


@dataclass(frozen=True)
class Completion:
    answer: BaseModel
    usage: Usage
    latency_ms: float


def _strings(value: Any) -> Iterator[str]:
    """Every string inside a message list: contents, content parts and tool-call arguments."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _strings(item)
    elif isinstance(value, BaseModel):
        yield from _strings(value.model_dump())


def assert_no_pan(messages: Any) -> None:
    """Raise PanInRequestError if any text about to be sent still holds a card number."""
    if any(redaction.contains_pan(text) for text in _strings(messages)):
        raise PanInRequestError()


def instructor_mode(settings: Settings) -> instructor.Mode:
    return instructor.Mode.JSON if settings.llm_mode == "json" else instructor.Mode.TOOLS


@lru_cache(maxsize=4)
def _openai_client(base_url: str, api_key: str, timeout: float) -> openai.OpenAI:
    """One HTTP client per endpoint and process: connections and TLS setup are reused."""
    return openai.OpenAI(
        base_url=base_url,
        api_key=api_key,
        timeout=timeout,
        max_retries=0,  # retries are ours (tenacity), so they are bounded and counted once
    )


class LlmClient:
    def __init__(self, settings: Settings) -> None:
        if not settings.llm_enabled:
            raise LlmError("llm_off")
        self._settings = settings
        self.model: str = settings.llm_model or ""
        self.mode = instructor_mode(settings)
        key = settings.llm_api_key.get_secret_value() if settings.llm_api_key else "unused"
        self._openai = _openai_client(
            settings.llm_base_url or "", key, settings.llm_timeout_seconds
        )

    def __enter__(self) -> LlmClient:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Nothing to release: the HTTP client is shared by every call in this process."""

    def _send(self, usage: Usage, kwargs: dict[str, Any]) -> Any:
        assert_no_pan(kwargs.get("messages", []))
        for attempt in retries.retrying(self._settings):
            with attempt:
                response = self._openai.chat.completions.create(**kwargs)
        usage.add(response)
        return response

    def _ask(
        self, messages: list[dict[str, str]], response_model: type[BaseModel], usage: Usage
    ) -> BaseModel:
        """One request, parsed and validated by instructor, with no re-ask of its own."""

        def create(*args: Any, **kwargs: Any) -> Any:
            return self._send(usage, kwargs)

        patched = instructor.patch(create=create, mode=self.mode)
        client = instructor.Instructor(client=self._openai, create=patched, mode=self.mode)
        answer: BaseModel = client.chat.completions.create(
            model=self.model,
            messages=messages,  # type: ignore[arg-type]
            response_model=response_model,
            max_retries=0,
            temperature=0,
        )
        return answer

    def _answer(
        self, messages: list[dict[str, str]], response_model: type[BaseModel], usage: Usage
    ) -> BaseModel:
        """The first valid answer; after a rejected one, the original messages plus a re-ask
        that names what failed (never the rejected text), at most llm_validation_retries times."""
        asked = list(messages)
        for _ in range(self._settings.llm_validation_retries):
            try:
                return self._ask(asked, response_model, usage)
            except Exception as exc:
                if not _is_rejected_answer(exc):
                    raise
                asked = [*messages, {"role": "user", "content": reask.rejection(exc).message}]
        return self._ask(asked, response_model, usage)

    def complete(
        self, messages: list[dict[str, str]], response_model: type[BaseModel]
    ) -> Completion:
        """One structured answer; raises LlmError (with the tokens spent) on any failure."""
        usage = Usage()
        started = time.perf_counter()
        try:
            answer = self._answer(messages, response_model, usage)
        except Exception as exc:  # every failure becomes a reason code, never the raw message
            error = _failure(exc)
            error.tokens_in, error.tokens_out = usage.tokens_in, usage.tokens_out
            error.latency_ms = (time.perf_counter() - started) * 1000
            raise error from None
        return Completion(answer, usage, (time.perf_counter() - started) * 1000)


def _is_rejected_answer(exc: BaseException) -> bool:
    """The endpoint answered but the answer was unusable (as opposed to a failed request)."""
    return classify_error(exc).reason == "invalid_output"


def _failure(exc: BaseException) -> LlmError:
    error = classify_error(exc)
    if error.reason == "invalid_output":
        return LlmError(reask.rejection(exc).reason, "no valid answer after the re-asks")
    return error
