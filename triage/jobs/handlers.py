"""The handler registry: task kind (jobs.models.TaskKind) -> function(session, job) -> result."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from sqlmodel import Session

from triage.jobs.models import Job, TaskKind

Handler = Callable[[Session, Job], dict[str, Any]]
DeadHook = Callable[[Session, Job], None]

_REGISTRY: dict[str, Handler] = {}
_ON_DEAD: dict[str, DeadHook] = {}


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


def on_dead(kind: str) -> Callable[[DeadHook], DeadHook]:
    """Register what a domain does when a job of `kind` goes dead (no retry left): it runs in
    the transaction that buries the job, so the two are stored together."""

    def register(fn: DeadHook) -> DeadHook:
        _ON_DEAD[kind] = fn
        return fn

    return register


def dead_hook(kind: str) -> DeadHook | None:
    get(kind)  # the hook sits beside the handler, in the domain's tasks.py
    return _ON_DEAD.get(kind)


def load() -> dict[str, Handler]:
    """Every handler (for listings and checks); workers load them one kind at a time."""
    for kind in TaskKind:
        importlib.import_module(kind.module)
    return _REGISTRY


def get(kind: str) -> Handler | None:
    """The handler of `kind`, importing its domain's tasks.py on first use: a write-back worker
    never loads the LLM stack, and those modules import this one for the decorator."""
    if kind not in _REGISTRY and kind in TaskKind._value2member_map_:
        importlib.import_module(TaskKind(kind).module)
    return _REGISTRY.get(kind)
