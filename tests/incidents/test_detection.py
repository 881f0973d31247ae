"""Detection, pure: the Poisson tail, the baseline, signatures, and replayed synthetic streams."""

from __future__ import annotations

import math
import random
from datetime import timedelta

import pytest

from tests.incidents import simulation
from tests.incidents.simulation import START, Replay
from triage.incidents import detection
from triage.incidents.detection import Arrival, Rules

RULES = Rules()
CATEGORIES = {  # peak tickets per hour on a weekday afternoon, with their usual codes
    "settlement_delay": (6.0, ("r03",)),
    "payment_declines": (30.0, ("05", "51", "3ds")),
    "webhook_failure": (4.0, ("500", "timeout")),
    "refund_issue": (12.0, ()),
    "payout_failure": (3.0, ("r01", "r03")),
    "fees_billing": (2.0, ()),
}


def _quiet_weeks(rng: random.Random, days: float) -> list[simulation.Ticket]:
    stream: list[simulation.Ticket] = []
    for category, (peak, codes) in CATEGORIES.items():
        stream += simulation.steady(rng, category, peak, START, days, codes=codes)
    return stream


def test_poisson_tail_matches_the_direct_sum() -> None:
    for mu in (0.1, 0.5, 3.0, 12.0):
        for n in (0, 1, 4, 9, 30):
            direct = 1 - sum(math.exp(-mu) * mu**k / math.factorial(k) for k in range(n))
            assert math.isclose(detection.poisson_tail(n, mu), max(direct, 0.0), abs_tol=1e-12)
    far = detection.poisson_tail(40, 0.5)  # 1 - sum would round to 0; the tail is summed instead
    assert 0 < far < 1e-50


def test_empty_database_uses_the_floor_and_history_raises_it() -> None:
    floor = RULES.floor_per_hour * RULES.window_minutes / 60
    assert detection.expected_count([None] * 4, None, RULES) == floor
    busy = detection.expected_count([40, 30, None, None], None, RULES)
    per_hour = (70 + math.sqrt(70) + 1) / 4  # a standard error above the mean of two weeks
    assert math.isclose(busy, per_hour * RULES.window_minutes / 60)
    assert detection.expected_count([None] * 4, 10.0, RULES) == 10 * RULES.window_minutes / 60


def test_one_merchants_flood_is_a_duplicate_burst_not_an_incident() -> None:
    at = START + timedelta(days=1, hours=10)
    flood = [Arrival(at + timedelta(seconds=i), "m1") for i in range(80)]
    verdict = detection.evaluate(flood, 0.5, RULES)
    assert not verdict.spike and verdict.duplicate_merchants == ("m1",)
    assert verdict.observed == RULES.per_merchant_cap and verdict.merchants == 1


def test_many_merchants_over_the_floor_are_a_spike_but_too_few_merchants_are_not() -> None:
    at = START + timedelta(days=1, hours=10)
    many = [Arrival(at, f"m{i}") for i in range(12)]
    assert detection.evaluate(many, 0.5, RULES).spike
    few = [Arrival(at, f"m{i % 4}") for i in range(12)]  # 4 merchants, 3 tickets each
    assert not detection.evaluate(few, 0.5, RULES).spike


def test_salient_tokens_find_codes_dates_and_hosts_in_redacted_text() -> None:
    text = (
        "Payout po_123 returned with R03 on 2026-12-04; webhooks to hooks.shop.example got 503. "
        "Card [REDACTED_CARD] was charged 45 EUR"
    )
    tokens = detection.salient_tokens(text)
    assert {"r03", "2026-12-04", "hooks.shop.example", "503"} <= set(tokens)
    assert not any("redacted" in t or t == "45" for t in tokens)


def test_title_terms_are_the_common_words_of_the_texts() -> None:
    texts = [
        "Settlement for batch 2026-12-04 not received",
        "Hallo, die Settlement vom 2026-12-04 fehlt",
        "settlement missing since 2026-12-04, please check",
    ]
    assert detection.title_terms(texts, limit=2) == ["2026-12-04", "settlement"]


@pytest.mark.parametrize("seed", [7, 8, 9, 10, 11])
def test_a_burst_after_two_quiet_weeks_opens_one_incident_within_five_minutes(seed: int) -> None:
    rng = random.Random(seed)
    stream = _quiet_weeks(rng, 14.5)
    begins = START + timedelta(days=14, hours=10, minutes=7)  # a Monday morning
    stream += simulation.burst(rng, "settlement_delay", begins, 60, 40, 20)
    opened = Replay(RULES).run(stream)

    assert [o.category for o in opened] == ["settlement_delay"]
    assert begins <= opened[0].at <= begins + timedelta(minutes=5)


def test_a_steady_month_with_day_and_night_opens_nothing() -> None:
    rng = random.Random(11)
    opened = Replay(RULES).run(_quiet_weeks(rng, 30))
    assert opened == []


def test_two_bursts_at_once_in_two_categories_open_two() -> None:
    rng = random.Random(5)
    stream = _quiet_weeks(rng, 15)
    begins = START + timedelta(days=14, hours=15)
    stream += simulation.burst(rng, "settlement_delay", begins, 60, 40, 20)
    stream += simulation.burst(rng, "webhook_failure", begins, 45, 30, 20, tokens=("504",))
    opened = Replay(RULES).run(stream)

    assert sorted(o.category for o in opened) == ["settlement_delay", "webhook_failure"]
    assert all(begins <= o.at <= begins + timedelta(minutes=5) for o in opened)


def test_a_burst_from_one_merchant_opens_nothing() -> None:
    rng = random.Random(3)
    stream = _quiet_weeks(rng, 15)
    begins = START + timedelta(days=14, hours=11)
    stream += simulation.burst(rng, "settlement_delay", begins, 80, 1, 10)
    assert Replay(RULES).run(stream) == []


def test_from_an_empty_database_a_burst_still_opens_on_the_floor() -> None:
    rng = random.Random(9)
    stream = simulation.burst(rng, "settlement_delay", START + timedelta(hours=10), 60, 40, 20)
    (opened,) = Replay(RULES).run(stream)
    assert opened.at <= START + timedelta(hours=10, minutes=5)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_ordinary_traffic_into_an_empty_database_at_its_busiest_opens_nothing(seed: int) -> None:
    rng = random.Random(seed)
    start = START + timedelta(hours=13)  # every category at its weekday peak from the start
    stream: list[simulation.Ticket] = []
    for category, (peak, codes) in CATEGORIES.items():
        stream += simulation.steady(rng, category, peak, start, 2, codes=codes)
    assert Replay(RULES).run(stream) == []
