"""Spike detection, pure: no database, no clock. The service feeds it what it read.

The test. For one category (or one cluster of near-identical problems inside it), let n be the
tickets that arrived in the sliding window of W minutes, each merchant counting at most
`per_merchant_cap` times (so one merchant's flood cannot make a spike on its own). Under the null
hypothesis arrivals are Poisson with mean mu for the window, from the largest of these hourly
rates: that hour of the week's (the same two hours, centred on now, of each past week), the
trailing hours' before the window (while there is no week of history yet: the busiest hour of
the last day), and a fixed floor (so an empty database works; higher in its first hour). The
p-value is the one-sided exact Poisson tail P(N >= n | mu); an incident opens when

    p <= alpha / m,   m = units per day x windows per day x 2

(Bonferroni over every category and cluster that can be tested, every minute a window can start
at, and two window lengths: a category is also tested over the last third of its window, which
sees a fast burst sooner), and the window holds at least `min_merchants` distinct merchants.
If mu is not below the true rate, the expected number of false alarms per day is then at most
alpha: with the default alpha = 0.05, at most one false alarm in twenty days across all
categories (a loose bound: windows a minute apart overlap, and Bonferroni counts each as a
separate test).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

WEEK = timedelta(days=7)
MAX_TEXT = 4_000  # characters of a ticket looked at for its signature: linear and bounded
MAX_SALIENT = 8
MAX_CLUSTERS = 3  # clusters tested per category and window: the busiest, by merchants
MINUTES_PER_DAY = 24 * 60
WINDOW_LENGTHS = 2  # each category is tested over its window and over a third of it
RECENT_DAY_HOURS = 24
COLD_MINUTES = 60  # history a database needs before the ordinary floor applies

# Salient tokens: what makes two tickets "the same problem". Error and reason codes (R03, E1234,
# 13.1), HTTP statuses, dates, hostnames and ids with digits. Redaction placeholders are skipped.
_TOKEN = re.compile(r"[a-z0-9][a-z0-9._\-/:]{1,40}", re.IGNORECASE)
_SALIENT = re.compile(
    r"""^(?:
        [a-z]{1,4}-?\d{2,5}                 # reason / error codes: r03, e1234, err-502
      | [1-5]\d\d                           # HTTP statuses
      | \d{4}-\d{2}-\d{2}                   # ISO dates
      | \d{1,2}[./]\d{1,2}(?:[./]\d{2,4})?  # 13.1, 04/12, 04.12.2026
      | (?:[a-z0-9-]+\.)+[a-z]{2,}          # hostnames
    )$""",
    re.IGNORECASE | re.VERBOSE,
)
_WORD = re.compile(r"[^\W\d_]{4,24}", re.UNICODE)
_STOPWORD_TEXT = """
    this that with have from your there their they been were what when where which would could
    should about again still since after before please thanks thank hello dear team support
    regards best kind help need know just today yesterday also into than then them only some
    does dont doesnt cannot anything something nothing every other more most very much many
    hallo bitte danke unser unsere nicht noch seit heute gracias hola nuestro nuestra todavia
    desde bonjour merci notre nous depuis toujours encore pour avec dans redacted
"""
STOPWORDS = frozenset(_STOPWORD_TEXT.split())


def salient_tokens(text: str) -> tuple[str, ...]:
    """The cluster keys of a redacted text: up to MAX_SALIENT salient tokens, in a stable order."""
    found: dict[str, None] = {}
    for match in _TOKEN.finditer(text[:MAX_TEXT]):
        token = match.group(0).lower().rstrip(".:/-")
        if (_SALIENT.match(token) and not token.isdigit()) or _is_status(token):
            found.setdefault(token, None)
            if len(found) >= MAX_SALIENT:
                break
    return tuple(sorted(found))


def _is_status(token: str) -> bool:
    return len(token) == 3 and token.isdigit() and token[0] in "45"


def title_terms(texts: Iterable[str], limit: int = 4) -> list[str]:
    """The words and codes most of these (redacted) texts share, most common first."""
    seen: Counter[str] = Counter()
    for text in texts:
        words = {w.lower() for w in _WORD.findall(text[:MAX_TEXT])} - STOPWORDS
        seen.update(words | set(salient_tokens(text)))
    return [term for term, _ in sorted(seen.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]]


@dataclass(frozen=True)
class Rules:
    """The detection settings (TRIAGE_INCIDENT_*), as the pure functions need them."""

    window_minutes: int = 15
    alpha: float = 0.05
    min_merchants: int = 5
    floor_per_hour: float = 4.0
    # In a database with less than an hour of history nothing tells a busy category from a
    # spike, so a higher floor holds until that hour has passed.
    cold_floor_per_hour: float = 12.0
    baseline_weeks: int = 4
    trailing_hours: int = 6
    units_per_day: int = 12 * (1 + MAX_CLUSTERS)  # categories x (category + its clusters)
    per_merchant_cap: int = 2
    # A cluster's rate is never taken below this share of its category's: a token nobody wrote
    # last week (today's date) is new, not rare.
    cluster_share_floor: float = 0.5
    duplicate_burst: int = 5  # tickets from one merchant in one window: a duplicate burst

    @property
    def short_window_minutes(self) -> float:
        return max(1.0, self.window_minutes / 3)

    @property
    def level(self) -> float:
        """The per-test significance after the Bonferroni correction."""
        windows_per_day = MINUTES_PER_DAY  # a window may start at any minute
        tests_per_unit = windows_per_day * WINDOW_LENGTHS
        return self.alpha / (self.units_per_day * tests_per_unit)


@dataclass(frozen=True)
class Arrival:
    at: datetime
    merchant: str
    tokens: tuple[str, ...] = ()
    ticket_id: int = 0


@dataclass(frozen=True)
class Verdict:
    spike: bool
    observed: int  # arrivals counted (each merchant capped)
    expected: float  # the baseline's mean for this window
    p_value: float
    merchants: int
    duplicate_merchants: tuple[str, ...]  # merchants whose own flood was discounted


def baseline_spans(now: datetime, weeks: int) -> list[tuple[datetime, datetime]]:
    """The two hours centred on `now`'s hour of the week, in each of the past `weeks` weeks."""
    spans = []
    for w in range(1, weeks + 1):
        centre = now - w * WEEK
        spans.append((centre - timedelta(hours=1), centre + timedelta(hours=1)))
    return spans


def expected_count(
    past_counts: Sequence[int | None],
    recent_per_hour: float | None,
    rules: Rules,
    minutes: float | None = None,
    cold: bool = False,
) -> float:
    """Mean arrivals in a window of `minutes` (the rules' window by default) under the null.

    `past_counts`: each past week's two-hour count, None for a week before any history.
    `recent_per_hour`: the recent rate (see `_recent`), None without that history. The largest
    estimate wins: the weekly rate, the recent rate, or the floor.
    """
    per_hour = rules.cold_floor_per_hour if cold else rules.floor_per_hour
    weeks = [c for c in past_counts if c is not None]
    if weeks:
        # One standard error above the weekly mean: a few weeks of counts are noisy, and a
        # rate below the truth is what makes false alarms.
        total = sum(weeks)
        per_hour = max(per_hour, (total + math.sqrt(total) + 1) / (2.0 * len(weeks)))
    if recent_per_hour is not None:
        per_hour = max(per_hour, recent_per_hour)
    return per_hour * (minutes or rules.window_minutes) / 60.0


def poisson_tail(n: int, mu: float) -> float:
    """P(N >= n) for N ~ Poisson(mu), exactly (summed in log space; n is small)."""
    if n <= 0:
        return 1.0
    if mu <= 0:
        return 0.0
    term = math.exp(-mu)
    below = 0.0
    for k in range(n):
        below += term
        term *= mu / (k + 1)
    # For a far tail 1 - below loses every digit; sum the tail directly instead.
    if below > 0.999:
        return _upper_sum(n, mu)
    return max(0.0, 1.0 - below)


def _upper_sum(n: int, mu: float) -> float:
    log_term = -mu + n * math.log(mu) - math.lgamma(n + 1)
    term, total, k = math.exp(log_term), 0.0, n
    while term > total * 1e-17 and k < n + 10_000:
        total += term
        k += 1
        term *= mu / k
    return total


def evaluate(arrivals: Sequence[Arrival], expected: float, rules: Rules) -> Verdict:
    """Is the window's count a spike? `arrivals` are the window's tickets for one unit."""
    per_merchant = Counter(a.merchant for a in arrivals)
    observed = sum(min(n, rules.per_merchant_cap) for n in per_merchant.values())
    floods = tuple(sorted(m for m, n in per_merchant.items() if n >= rules.duplicate_burst))
    p_value = poisson_tail(observed, expected)
    spike = p_value <= rules.level and len(per_merchant) >= rules.min_merchants
    return Verdict(spike, observed, expected, p_value, len(per_merchant), floods)


def clusters(arrivals: Sequence[Arrival], rules: Rules) -> dict[str, list[Arrival]]:
    """Arrivals grouped by salient token: the MAX_CLUSTERS tokens seen from the most merchants,
    each from at least `min_merchants`."""
    by_token: dict[str, list[Arrival]] = {}
    for arrival in arrivals:
        for token in arrival.tokens:
            by_token.setdefault(token, []).append(arrival)
    merchants = {token: len({a.merchant for a in group}) for token, group in by_token.items()}
    wide = [t for t, n in merchants.items() if n >= rules.min_merchants]
    busiest = sorted(wide, key=lambda t: (-merchants[t], t))[:MAX_CLUSTERS]
    return {token: by_token[token] for token in busiest}


@dataclass(frozen=True)
class Finding:
    cluster: str | None  # None: the whole category
    verdict: Verdict
    arrivals: tuple[Arrival, ...]


def _count_in(history: Sequence[Arrival], start: datetime, end: datetime) -> int:
    return sum(1 for a in history if start <= a.at < end)


def _past(
    history: Sequence[Arrival], now: datetime, since: datetime | None, rules: Rules
) -> tuple[list[int | None], float | None]:
    """Each past week's count in its span (None before any history), and the recent rate."""
    weeks: list[int | None] = []
    for start, end in baseline_spans(now, rules.baseline_weeks):
        known = since is not None and since <= start
        weeks.append(_count_in(history, start, end) if known else None)
    no_week = all(w is None for w in weeks)
    return weeks, _recent(history, now, since, rules, busiest=no_week)


def _recent(
    history: Sequence[Arrival], now: datetime, since: datetime | None, rules: Rules, busiest: bool
) -> float | None:
    """Arrivals per hour before the window: the mean of the trailing hours; or, while there is
    no week of history to know this hour of the week by, the busiest hour of the last day (a
    night's rate says nothing about the morning that follows it), and in a database younger
    than a day, the rate since its first ticket too."""
    if since is None:
        return None
    end = now - timedelta(minutes=rules.window_minutes)
    if not busiest:
        start = end - timedelta(hours=rules.trailing_hours)
        return _count_in(history, start, end) / rules.trailing_hours if since <= start else None
    hours = [end - timedelta(hours=h) for h in range(RECENT_DAY_HOURS, 0, -1)]
    rates = [float(_count_in(history, s, s + timedelta(hours=1))) for s in hours if s >= since]
    elapsed = (end - since).total_seconds() / 3600
    if 0 < elapsed < RECENT_DAY_HOURS:
        # A young database: its own short past, over at least one window's length.
        rates.append(_count_in(history, since, end) / max(elapsed, rules.window_minutes / 60))
    return max(rates) if rates else None


def find_spikes(
    now: datetime,
    window: Sequence[Arrival],
    history: Sequence[Arrival],
    since: datetime | None,
    rules: Rules,
) -> list[Finding]:
    """Every unit of one category (the category, then each cluster) tested at `now`.

    `window`: the category's arrivals in the last `window_minutes`; `history`: its arrivals in
    the baseline spans and the trailing hours; `since`: when history starts (None: none yet).
    """
    weeks, recent = _past(history, now, since, rules)
    cold = since is None or now - since < timedelta(minutes=rules.window_minutes + COLD_MINUTES)
    category_expected = expected_count(weeks, recent, rules, cold=cold)
    findings = [Finding(None, evaluate(window, category_expected, rules), tuple(window))]
    # The short window sees a fast burst minutes before the long one has counted enough of it;
    # its finding carries the long window's arrivals, which the incident links.
    short = rules.short_window_minutes
    recent_arrivals = [a for a in window if a.at > now - timedelta(minutes=short)]
    short_expected = expected_count(weeks, recent, rules, short, cold)
    findings.append(Finding(None, evaluate(recent_arrivals, short_expected, rules), tuple(window)))
    for token, group in sorted(clusters(window, rules).items()):
        past = [a for a in history if token in a.tokens]
        weeks, recent = _past(past, now, since, rules)
        expected = max(
            expected_count(weeks, recent, rules, cold=cold),
            rules.cluster_share_floor * category_expected,
        )
        findings.append(Finding(token, evaluate(group, expected, rules), tuple(group)))
    return findings


def history_spans(now: datetime, rules: Rules) -> list[tuple[datetime, datetime]]:
    """The time spans whose arrivals `find_spikes` needs as history (they do not overlap)."""
    end = now - timedelta(minutes=rules.window_minutes)
    recent = (end - timedelta(hours=max(rules.trailing_hours, RECENT_DAY_HOURS)), end)
    return [recent, *baseline_spans(now, rules.baseline_weeks)]
