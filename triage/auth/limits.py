"""Rate limits on failed sign-ins and bad Bearer tokens: token buckets per client address and
per account.

Each failure takes one token from the client's bucket and from the account's (a token names its
account, so the account key is the token's hash); buckets refill at
TRIAGE_AUTH_FAILURES_PER_MINUTE per minute up to that many. While either bucket is empty, the
next attempt gets 429 with Retry-After before the credential is even looked up. Successful
attempts cost nothing. The buckets live in the process: with several `serve` processes each
allows the rate, so the reverse proxy should also limit the sign-in path (README).
"""

from __future__ import annotations

import ipaddress
import math
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass

from starlette.requests import Request

from triage.auth.tokens import hash_token
from triage.config import Settings
from triage.errors import TriageError

MAX_KEYS = 50_000  # memory bound: the least recently failed keys are forgotten first


@dataclass
class _Bucket:
    tokens: float
    updated: float


class FailureLimiter:
    def __init__(self, per_minute: int) -> None:
        self.per_minute = per_minute
        self.capacity = float(max(per_minute, 1))
        self.rate = self.capacity / 60.0
        self._buckets: OrderedDict[str, _Bucket] = OrderedDict()
        self._lock = threading.Lock()

    def _refilled(self, key: str, now: float) -> _Bucket | None:
        bucket = self._buckets.get(key)
        if bucket is not None:
            bucket.tokens = min(self.capacity, bucket.tokens + (now - bucket.updated) * self.rate)
            bucket.updated = now
        return bucket

    def wait_seconds(self, keys: list[str], now: float | None = None) -> float:
        """0 when every key may try again now; else how long until all of them may."""
        now = time.monotonic() if now is None else now
        with self._lock:
            waits = [0.0]
            for key in keys:
                bucket = self._refilled(key, now)
                if bucket is not None and bucket.tokens < 1:
                    waits.append((1 - bucket.tokens) / self.rate)
            return max(waits)

    def failed(self, keys: list[str], now: float | None = None) -> None:
        now = time.monotonic() if now is None else now
        with self._lock:
            for key in keys:
                bucket = self._refilled(key, now) or _Bucket(self.capacity, now)
                bucket.tokens = max(0.0, bucket.tokens - 1)
                self._buckets[key] = bucket
                self._buckets.move_to_end(key)
            while len(self._buckets) > MAX_KEYS:
                self._buckets.popitem(last=False)


_CREATE_LOCK = threading.Lock()


def limiter(request: Request, settings: Settings) -> FailureLimiter:
    """The app's limiter (one per app, so each process, and each test's app, has its own)."""
    state = request.app.state
    with _CREATE_LOCK:
        found: FailureLimiter | None = getattr(state, "auth_failures", None)
        if found is None or found.per_minute != settings.auth_failures_per_minute:
            found = FailureLimiter(settings.auth_failures_per_minute)
            state.auth_failures = found
        return found


def client_address(request: Request, settings: Settings) -> str:
    """The peer, or behind a configured proxy the nearest address it forwarded for."""
    peer = request.client.host if request.client else "unknown"
    if not is_proxy(peer, settings):
        return peer
    forwarded = [a.strip() for a in request.headers.get("x-forwarded-for", "").split(",")]
    for address in reversed([a for a in forwarded if a]):
        if not is_proxy(address, settings):
            return address
    return peer


def is_proxy(address: str, settings: Settings) -> bool:
    """Whether an address is one of TRIAGE_TRUSTED_PROXIES (addresses or CIDR networks)."""
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(parsed in ipaddress.ip_network(n, strict=False) for n in settings.trusted_proxies)


def keys_for(request: Request, settings: Settings, token: str | None) -> list[str]:
    keys = [f"client:{client_address(request, settings)}"]
    if token:
        keys.append(f"account:{hash_token(token)[:32]}")
    return keys


def check(request: Request, settings: Settings, token: str | None) -> list[str]:
    """Refuse (429) while the client or the account is over its failure budget; the keys to
    charge if this attempt fails."""
    keys = keys_for(request, settings, token)
    wait = limiter(request, settings).wait_seconds(keys)
    if wait > 0:
        raise TriageError(
            "too many failed sign-in attempts; try again later",
            429,
            headers={"Retry-After": str(max(1, math.ceil(wait)))},
        )
    return keys


def failed(request: Request, settings: Settings, keys: list[str]) -> None:
    limiter(request, settings).failed(keys)
