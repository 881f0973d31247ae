"""The lead dashboard's charts and category-mix rows, built from the dashboard's figures."""

from __future__ import annotations

from typing import Any

from markupsafe import Markup

from triage.ops import charts

# Charts across the whole page width get a wider drawing, so their text keeps its size.
WIDE = charts.Frame(width=1240, height=260)


def _short(days: list[str]) -> list[str]:
    return [day[5:] for day in days]


def model_marks(data: dict[str, Any]) -> list[tuple[int, str]]:
    """(day index, text) of each promotion and rollback in the window."""
    index = {day: n for n, day in enumerate(data["days"])}
    return [
        (index[e["day"]], f"{e['what']} {e['version']} by {e['actor']}")
        for e in data.get("model_events", [])
        if e["day"] in index
    ]


def dashboard_charts(data: dict[str, Any], drift: dict[str, Any]) -> dict[str, Markup]:
    """Every chart on the dashboard, from the same figures the JSON endpoints return."""
    days = _short(data["days"])
    return {**_quality_charts(data, days), **_spend_charts(data, days), **_drift_charts(drift)}


def _quality_charts(data: dict[str, Any], days: list[str]) -> dict[str, Markup]:
    counts = data["tickets_per_day"]["counts"]
    corrections = data["corrections"]["by_category"]
    backlog = data["backlog"]["age_buckets"]
    return {
        "tickets": charts.stacked_bars(
            "Tickets per category per day", days, counts, WIDE, events=model_marks(data)
        ),
        "tickets_legend": charts.legend(list(counts), columns=6),
        "auto_rate": charts.lines(
            "Auto-route rate per day",
            days,
            {"auto-routed": data["auto_route"]["rate"]},
            percent=True,
            events=model_marks(data),
        ),
        "backlog": charts.hbars(
            "Review backlog by age", [(k, float(v)) for k, v in backlog.items()]
        ),
        "corrections": charts.hbars(
            "Correction rate per category",
            [(k.replace("_", " "), v["rate"] or 0.0) for k, v in corrections.items()],
            percent=True,
            notes=[f"{v['corrected']} of {v['reviewed']}" for v in corrections.values()],
        ),
    }


def _spend_charts(data: dict[str, Any], days: list[str]) -> dict[str, Markup]:
    llm = data["llm"]
    tokens = {team: [float(v) for v in values] for team, values in llm["tokens"].items()}
    failures = {"write-back failures": data["jobs"]["writeback_failures"]}
    opened = {k.replace("_", " "): v for k, v in data["incidents"]["opened"].items()}
    return {
        "incidents": charts.stacked_bars("Incidents opened per category per day", days, opened),
        "incidents_legend": charts.legend(list(opened), columns=3),
        "llm_tokens": charts.lines(
            "LLM tokens per team per day (dashed: daily budget)",
            days,
            tokens,
            reference=float(llm["daily_budget_tokens"]),
            frame=WIDE,
        ),
        "llm_legend": charts.legend(llm["teams"], columns=6),
        "llm_cost": charts.stacked_bars("LLM cost (USD) per team per day", days, llm["cost_usd"]),
        "writeback_failures": charts.stacked_bars(
            "Write-back jobs that died per day", days, failures
        ),
    }


def _drift_charts(drift: dict[str, Any]) -> dict[str, Markup]:
    weeks = [w["week"][5:] for w in drift["weeks"]]
    low = {
        f"confidence < {drift['low_confidence']}": [
            w["low_confidence_share"] for w in drift["weeks"]
        ],
        "below threshold": [w["below_threshold_share"] for w in drift["weeks"]],
    }
    distance = {"distance": [w["mix_distance"] for w in drift["weeks"]]}
    return {
        "drift_low": charts.lines(
            "Weekly share of low-confidence predictions", weeks, low, percent=True
        ),
        "drift_legend": charts.legend(list(low)),
        "drift_mix": charts.lines(
            "Weekly category-mix distance from the training data", weeks, distance, percent=True
        ),
        "drift_mix_legend": charts.legend(["distance from the training mix"]),
    }


def mix_rows(drift: dict[str, Any]) -> list[dict[str, Any]]:
    """Per category: share in the training data and in the latest week with predictions."""
    recent = next((w for w in reversed(drift["weeks"]) if w["predictions"]), None)
    mix = recent["mix"] if recent else {}
    keys = sorted(set(drift["training_mix"]) | set(mix))
    return [
        {
            "category": k,
            "training": drift["training_mix"].get(k, 0.0),
            "recent": mix.get(k, 0.0),
            "change": mix.get(k, 0.0) - drift["training_mix"].get(k, 0.0),
        }
        for k in keys
    ]
