"""Circuit breaker for the LLM endpoint.

After `llm_breaker_failures` consecutive endpoint failures (timeouts, 429 after retries, 5xx,
connection errors) calls stop for `llm_breaker_cooldown_seconds`; then one trial call is let
through (half-open) and its result closes or reopens the breaker.

The state is process-local: each API or worker process keeps its own breaker per endpoint and
model, so with N workers a dead endpoint sees at most N * failures calls per cooldown. That is
cheap enough not to need shared state in the database.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from triage.config import Settings

Clock = Callable[[], float]


@dataclass
class CircuitBreaker:
    failures_to_open: int
    cooldown_seconds: float
    clock: Clock = time.monotonic
    failures: int = 0
    opened_at: float | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def state(self) -> str:
        if self.opened_at is None:
            return "closed"
        if self.clock() - self.opened_at >= self.cooldown_seconds:
            return "half_open"
        return "open"

    def allow(self) -> bool:
        """True when a call may go out; in half-open, only one trial call until it reports."""
        with self._lock:
            state = self.state
            if state == "closed":
                return True
            if state == "half_open":
                # The trial call re-arms the cooldown so concurrent callers wait for its result.
                self.opened_at = self.clock()
                return True
            return False

    def record_success(self) -> None:
        with self._lock:
            self.failures = 0
            self.opened_at = None

    def record_failure(self) -> None:
        with self._lock:
            self.failures += 1
            if self.failures >= self.failures_to_open:
                self.opened_at = self.clock()

    def remaining_cooldown(self) -> float:
        if self.opened_at is None:
            return 0.0
        return max(self.cooldown_seconds - (self.clock() - self.opened_at), 0.0)


_BREAKERS: dict[tuple[str, str], CircuitBreaker] = {}
_REGISTRY_LOCK = threading.Lock()


def breaker_for(settings: Settings) -> CircuitBreaker:
    """The process's breaker for the configured endpoint and model."""
    key = (settings.llm_base_url or "", settings.llm_model or "")
    with _REGISTRY_LOCK:
        breaker = _BREAKERS.get(key)
        if breaker is None:
            breaker = CircuitBreaker(
                failures_to_open=max(settings.llm_breaker_failures, 1),
                cooldown_seconds=settings.llm_breaker_cooldown_seconds,
            )
            _BREAKERS[key] = breaker
        return breaker
