"""Spike detection on synthetic streams: detection delay of a burst and false alarms over a
quiet month, replayed through the same pure functions the detect task uses.

    .venv/bin/python bench/incidents.py [--seeds 10] [--days 30]

Prints, per seed, how long after its start a burst of 60 settlement-delay tickets from 40
merchants in 20 minutes opened its incident, and for a month of ordinary day/night traffic in
six categories, how many incidents opened and the smallest p-value against the threshold.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.incidents import simulation  # noqa: E402
from tests.incidents.test_detection import CATEGORIES  # noqa: E402
from triage.incidents import detection  # noqa: E402
from triage.incidents.detection import Rules  # noqa: E402


def quiet(
    rng: random.Random, days: float, start: datetime = simulation.START
) -> list[simulation.Ticket]:
    stream: list[simulation.Ticket] = []
    for category, (peak, codes) in CATEGORIES.items():
        stream += simulation.steady(rng, category, peak, start, days, codes=codes)
    return stream


def burst_delays(seeds: int, rules: Rules) -> list[float | None]:
    delays: list[float | None] = []
    for seed in range(seeds):
        rng = random.Random(1000 + seed)
        begins = simulation.START + timedelta(days=14, hours=rng.randrange(24), minutes=7)
        stream = quiet(rng, 14.5) + simulation.burst(rng, "settlement_delay", begins, 60, 40, 20)
        opened = [o for o in simulation.Replay(rules).run(stream) if o.at >= begins]
        delays.append((opened[0].at - begins).total_seconds() / 60 if opened else None)
    return delays


def month(days: float, rules: Rules) -> tuple[int, int, float]:
    smallest, tests = [1.0], [0]
    find = detection.find_spikes

    def watched(*args: object, **kwargs: object) -> list[detection.Finding]:
        findings = find(*args, **kwargs)  # type: ignore[arg-type]
        tests[0] += 1
        smallest[0] = min([smallest[0], *(f.verdict.p_value for f in findings)])
        return findings

    detection.find_spikes = watched  # type: ignore[assignment]
    try:
        opened = simulation.Replay(rules).run(quiet(random.Random(11), days))
    finally:
        detection.find_spikes = find  # type: ignore[assignment]
    return len(opened), tests[0], smallest[0]


def fresh(seeds: int, rules: Rules) -> list[int]:
    """Incidents opened by two ordinary days that start on an empty database, per seed."""
    return [
        len(simulation.Replay(rules).run(quiet(random.Random(2000 + s), 2))) for s in range(seeds)
    ]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--days", type=float, default=30)
    parser.add_argument("--floor", type=float, default=Rules().floor_per_hour)
    args = parser.parse_args()
    rules = Rules(floor_per_hour=args.floor)
    print(f"floor {rules.floor_per_hour:g} tickets/hour, alpha {rules.alpha:g}/day")
    delays = burst_delays(args.seeds, rules)
    found = [d for d in delays if d is not None]
    print(f"bursts: {len(found)}/{len(delays)} detected; minutes after the burst's start:")
    print("  " + ", ".join("missed" if d is None else f"{d:.1f}" for d in delays))
    if found:
        print(f"  median {statistics.median(found):.1f}, max {max(found):.1f} (target <= 5)")
    opened_fresh = fresh(args.seeds, rules)
    print(f"two ordinary days from an empty database at 13:00: {sum(opened_fresh)}", end="")
    print(f" incidents over {args.seeds} seeds ({opened_fresh})")
    opened, tests, smallest = month(args.days, rules)
    print(f"quiet {args.days:g} days: {opened} incidents opened in {tests} tests")
    print(f"  smallest p-value {smallest:.1e}, threshold {rules.level:.1e}")


if __name__ == "__main__":
    main()
