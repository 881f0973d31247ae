"""The Jinja filters every page shares: ages, percentages, labels and what redaction removed."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any


def format_age(seconds: int) -> str:
    """A compact age for the queue: 45 s, 12 min, 5 h, 3 d."""
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min"
    if seconds < 86400:
        return f"{seconds // 3600} h"
    return f"{seconds // 86400} d"


def format_confidence(value: float | None) -> str:
    """Rounded down, and never "100%" or "0%": a calibrated 0.9999 still means about one in
    ten thousand is wrong, which ">99%" says and "100%" hides."""
    if value is None:
        return "–"
    if value > 0.99:
        return ">99%"
    if 0 < value < 0.01:
        return "<1%"
    return f"{math.floor(value * 100)}%"


def format_label(value: str | None) -> str:
    return "–" if not value else value.replace("_", " ")


def removed_items(summary: dict[str, Any]) -> list[str]:
    """What redaction took out of this ticket, e.g. ["PAN × 2"], from the stored summary."""
    counts = summary.get("counts")
    if not isinstance(counts, dict):
        return []
    return [f"{kind} × {n}" for kind, n in counts.items() if isinstance(n, int) and n > 0]


def format_rate(value: float | None) -> str:
    return "–" if value is None else f"{value * 100:.1f}%"


def format_number(value: float | None, digits: int = 4) -> str:
    return "–" if value is None else f"{value:.{digits}g}"


def format_delta(value: float | None) -> str:
    """Percentage points with a sign; a change that rounds to nothing reads "±0.0 pt", never
    "-0.0 pt"."""
    if value is None:
        return ""
    points = round(value * 100, 1)
    return "±0.0 pt" if points == 0 else f"{points:+.1f} pt"


FILTERS: dict[str, Callable[..., Any]] = {
    "age": format_age,
    "pct": format_confidence,
    "label": format_label,
    "removed": removed_items,
    "rate": format_rate,
    "num": format_number,
    "delta": format_delta,
}
