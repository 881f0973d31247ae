"""The handler registry: task kind (jobs.models.TaskKind) -> function(session, job) -> result."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from sqlmodel import Session

from triage.jobs.models import Job, TaskKind

Handler = Callable[[Session, Job], dict[str, Any]]
DeadHook = Callable[[Session, Job], None]
# Reads what several jobs of one kind will need, in one query, before they run (see `handler`).
Prefetch = Callable[[Session, list[Job]], None]

_REGISTRY: dict[str, Handler] = {}
# Work a worker does on a clock rather than from the queue, by the kind whose jobs it queues.
Periodic = Callable[[Session], int]
_PERIODIC: dict[str, Periodic] = {}
PERIODIC_KINDS = (TaskKind.INCIDENTS_DETECT,)
# Kinds whose handler only reads the database: their completions can be recorded in batches.
_READS_ONLY: set[str] = set()
_ON_DEAD: dict[str, DeadHook] = {}
_PREFETCH: dict[str, Prefetch] = {}


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


def handler(
    kind: str, *, reads_only: bool = False, prefetch: Prefetch | None = None
) -> Callable[[Handler], Handler]:
    """Register `fn` for `kind`. `reads_only`: the handler writes nothing to the database (its
    effect is elsewhere, guarded by a marker there); the worker then runs it in a read-only
    transaction and records its completion together with the rest of its batch. `prefetch`
    (read-only kinds): called with that transaction and the batch's jobs of this kind before the
    first of them runs, to read for all of them at once what each handler would read alone."""

    def register(fn: Handler) -> Handler:
        _REGISTRY[kind] = fn
        if reads_only:
            _READS_ONLY.add(kind)
            if prefetch is not None:
                _PREFETCH[kind] = prefetch
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


def periodic(kind: str) -> Callable[[Periodic], Periodic]:
    """Register a pass a worker runs every few seconds (it queues `kind` jobs when due)."""

    def register(fn: Periodic) -> Periodic:
        _PERIODIC[kind] = fn
        return fn

    return register


def periodic_passes() -> dict[str, Periodic]:
    """Every periodic pass, importing the domains that declare one."""
    for kind in PERIODIC_KINDS:
        importlib.import_module(kind.module)
    return dict(_PERIODIC)


def reads_only(kind: str) -> bool:
    return kind in _READS_ONLY


def prefetcher(kind: str) -> Prefetch | None:
    return _PREFETCH.get(kind)
