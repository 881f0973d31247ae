"""The handler registry: job kind -> function(session, job) -> result dict."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from sqlmodel import Session

from triage.jobs.models import Job

Handler = Callable[[Session, Job], dict[str, Any]]

# Where each kind's handler lives. Imported on first use: a write-back worker never loads the
# LLM stack, and those modules import this one for the decorator (no import cycle).
HANDLER_MODULES = {
    "writeback": "triage.writeback.jobs",
    "send_reply": "triage.writeback.jobs",
    "llm_fallback": "triage.llm.jobs",
    "train_model": "triage.ops.training",
}

_REGISTRY: dict[str, Handler] = {}


class RetryableError(Exception):
    """A transient failure: the job is retried with backoff, at least retry_after seconds later."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.retry_after = retry_after


class PermanentError(Exception):
    """A failure retrying cannot fix (bad credentials, missing record): the job goes dead."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def handler(kind: str) -> Callable[[Handler], Handler]:
    def register(fn: Handler) -> Handler:
        _REGISTRY[kind] = fn
        return fn

    return register


def load() -> dict[str, Handler]:
    """Every handler (for listings and checks); workers load them one kind at a time."""
    for module in set(HANDLER_MODULES.values()):
        importlib.import_module(module)
    return _REGISTRY


def get(kind: str) -> Handler | None:
    if kind not in _REGISTRY and kind in HANDLER_MODULES:
        importlib.import_module(HANDLER_MODULES[kind])
    return _REGISTRY.get(kind)
