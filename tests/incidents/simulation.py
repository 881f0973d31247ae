"""Synthetic ticket streams and an in-memory replay of detection, for the pure tests.

The replay does what the service does with the database: for each arrival it tests the arrival's
category at most once a minute (the detect task's dedupe), with the window and history read from
the arrivals so far; a category with an open incident is not tested again until it is quiet.
"""

from __future__ import annotations

import bisect
import math
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from triage.incidents import detection
from triage.incidents.detection import Arrival, Rules

START = datetime(2026, 10, 5, 0, 0, tzinfo=UTC)  # a Monday


@dataclass(frozen=True)
class Ticket:
    at: datetime
    category: str
    merchant: str
    tokens: tuple[str, ...] = ()


def day_night(at: datetime) -> float:
    """Relative rate: busy office hours, a quiet night, a slower weekend."""
    hour = at.hour + at.minute / 60
    daily = 0.15 + 0.85 * max(0.0, math.sin(math.pi * (hour - 6) / 14)) if 6 <= hour <= 20 else 0.15
    return daily * (0.5 if at.weekday() >= 5 else 1.0)


def steady(
    rng: random.Random,
    category: str,
    peak_per_hour: float,
    start: datetime,
    days: float,
    merchants: int = 800,
    codes: tuple[str, ...] = (),
) -> Iterator[Ticket]:
    """A Poisson stream whose rate follows `day_night`, by thinning; tickets carry a usual code
    now and then and, often, the day's date (merchants write "the payout of 2026-10-07")."""
    t, end = start, start + timedelta(days=days)
    while True:
        t += timedelta(hours=rng.expovariate(peak_per_hour))
        if t >= end:
            return
        if rng.random() < day_night(t):
            tokens = {t.date().isoformat()} if rng.random() < 0.4 else set()
            if codes and rng.random() < 0.3:
                tokens.add(rng.choice(codes))
            yield Ticket(t, category, f"m{rng.randrange(merchants)}", tuple(sorted(tokens)))


def burst(
    rng: random.Random,
    category: str,
    start: datetime,
    tickets: int,
    merchants: int,
    minutes: float,
    tokens: tuple[str, ...] = (),
) -> list[Ticket]:
    """`tickets` from `merchants` distinct merchants (each at least once) spread over `minutes`."""
    names = [f"burst-{category}-{i}" for i in range(merchants)]
    who = names + [rng.choice(names) for _ in range(tickets - merchants)]
    rng.shuffle(who)
    times = sorted(rng.uniform(0, minutes) for _ in range(tickets))
    pairs = zip(times, who, strict=True)
    return [Ticket(start + timedelta(minutes=m), category, w, tokens) for m, w in pairs]


@dataclass
class Opened:
    category: str
    cluster: str | None
    at: datetime
    observed: int
    expected: float


@dataclass
class Replay:
    rules: Rules
    quiet_after: timedelta = timedelta(hours=2)
    opened: list[Opened] = field(default_factory=list)
    _times: dict[str, list[datetime]] = field(default_factory=dict)
    _rows: dict[str, list[Arrival]] = field(default_factory=dict)
    _tested: dict[str, datetime] = field(default_factory=dict)
    _open_until: dict[str, datetime] = field(default_factory=dict)
    _since: datetime | None = None

    def run(self, tickets: list[Ticket]) -> list[Opened]:
        for ticket in sorted(tickets, key=lambda t: t.at):
            self.arrive(ticket)
        return self.opened

    def arrive(self, ticket: Ticket) -> None:
        self._since = self._since or ticket.at
        self._times.setdefault(ticket.category, []).append(ticket.at)
        rows = self._rows.setdefault(ticket.category, [])
        rows.append(Arrival(ticket.at, ticket.merchant, ticket.tokens))
        until = self._open_until.get(ticket.category)
        if until is not None and ticket.at < until:
            self._open_until[ticket.category] = ticket.at + self.quiet_after  # it joins
            return
        minute = ticket.at.replace(second=0, microsecond=0)
        if self._tested.get(ticket.category) == minute:
            return
        self._tested[ticket.category] = minute
        self._test(ticket.category, ticket.at)

    def _slice(self, category: str, start: datetime, end: datetime) -> list[Arrival]:
        times = self._times[category]
        lo, hi = bisect.bisect_left(times, start), bisect.bisect_right(times, end)
        return self._rows[category][lo:hi]

    def _test(self, category: str, now: datetime) -> None:
        window = self._slice(category, now - timedelta(minutes=self.rules.window_minutes), now)
        spans = detection.history_spans(now, self.rules)
        history = [a for s, e in spans for a in self._slice(category, s, e)]
        findings = detection.find_spikes(now, window, history, self._since, self.rules)
        spikes = [f for f in findings if f.verdict.spike]
        if spikes:
            best = min(spikes, key=lambda f: (f.cluster is not None, f.verdict.p_value))
            v = best.verdict
            self.opened.append(Opened(category, best.cluster, now, v.observed, v.expected))
            self._open_until[category] = now + self.quiet_after
