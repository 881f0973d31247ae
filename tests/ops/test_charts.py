"""The SVG charts and the drift arithmetic are pure functions: tested without fixtures."""

from __future__ import annotations

from triage.classify import data
from triage.ops import charts, drift, timeseries
from triage.ops.commands import side_by_side


def test_nice_max_rounds_up_to_a_readable_axis() -> None:
    values = (0, 0.4, 0.0024, 7, 37, 100, 101, 1234)
    assert [charts.nice_max(v) for v in values] == [1.0, 0.5, 0.0025, 10, 50, 100, 200, 2000]


def test_stacked_bars_draw_one_rect_per_non_zero_value_and_escape_labels() -> None:
    svg = charts.stacked_bars(
        "t<script>", ["11-20", "11-21"], {"a&b": [1, 0], "refund_issue": [2, 3]}
    )
    assert svg.count("<rect") == 3
    assert "<script>" not in svg and "t&lt;script&gt;" in svg and "a&amp;b" in svg
    assert 'fill="#2456d6"' in svg  # presentation attributes, allowed by the strict CSP
    assert "style=" not in svg


def test_lines_break_at_missing_values_and_draw_the_reference() -> None:
    svg = charts.lines("rate", ["a", "b", "c", "d"], {"s": [0.5, None, 0.2, 0.4]}, percent=True)
    assert svg.count("<polyline") == 1 and svg.count("<circle") == 3
    budget = charts.lines("tokens", ["a"], {"t": [10.0]}, reference=200.0)
    assert "stroke-dasharray" in budget and ">200<" in budget


def test_hbars_and_legend() -> None:
    svg = charts.hbars("rates", [("refund issue", 0.5), ("payout", 0.25)], percent=True)
    assert svg.count("<rect") == 2 and "50%" in svg and "25%" in svg
    assert charts.legend(["payout_failure"]).count("payout failure") == 1


def test_category_mix_distance() -> None:
    reference = drift.training_mix({"a": 30, "b": 10})
    assert reference == {"a": 0.75, "b": 0.25}
    assert drift.distance({"a": 0.5, "b": 0.5}, reference) == 0.25
    assert drift.distance({"c": 1.0}, reference) == 1.0
    assert drift.distance({}, reference) is None


def test_days_and_weeks() -> None:
    from datetime import UTC, datetime

    now = datetime(2026, 11, 24, 15, 30, tzinfo=UTC)  # a Tuesday
    start, labels = timeseries.days(3, now)
    assert labels == ["2026-11-22", "2026-11-23", "2026-11-24"]
    assert start == datetime(2026, 11, 22, tzinfo=UTC)
    assert timeseries.week_of("2026-11-24") == "2026-11-23"
    assert timeseries.weeks(2, now)[1] == ["2026-11-16", "2026-11-23"]
    assert timeseries.ratio(1, 0) is None and timeseries.ratio(1, 3) == 0.3333


def test_holdout_is_every_fifth_ticket() -> None:
    assert [i for i in range(1, 21) if data.in_holdout(i)] == [5, 10, 15, 20]


def test_comparison_prints_both_models_side_by_side() -> None:
    golden = {
        "n": 6,
        "accuracy": 1.0,
        "macro_f1": 1.0,
        "auto_rate": 0.5,
        "auto_precision": 1.0,
        "ece": 0.05,
    }
    worse = {**golden, "accuracy": 0.5}
    result = {
        "candidate": {"version": "v2", "golden": golden, "holdout": None, "gate_failures": []},
        "baseline": {"version": "v1", "status": "active", "golden": worse, "holdout": None},
        "golden_n": 6,
        "holdout_n": 0,
        "delta": {"golden": {"accuracy": 0.5}, "holdout": {}},
    }
    lines = side_by_side(result)
    assert lines[0] == "candidate v2  vs  active v1"
    assert any(line.split() == ["accuracy", "1", "0.5", "+0.5000"] for line in lines)
    assert lines[-1] == "gates: pass"
