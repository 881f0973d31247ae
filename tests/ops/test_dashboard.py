"""Dashboard and drift figures on a small fixture whose right answers can be counted by hand."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from tests.review.factories import bearer, make_user
from triage.classify.models import ModelVersion
from triage.config import Settings
from triage.db.engine import utcnow
from triage.jobs.models import Job
from triage.llm.models import LlmCall
from triage.main import create_app
from triage.tickets.models import Correction, Decision, Ticket

Seeded = tuple[TestClient, dict[str, str], datetime]


def _ticket(session: Session, n: int, category: str, route: str, status: str, at: datetime) -> int:
    ticket = Ticket(
        source="zendesk",
        external_id=str(n),
        subject="s",
        body="b",
        category=category,
        route=route,
        status=status,
        team="settlements" if category == "settlement_delay" else "disputes",
        model_version="v-a" if n < 4 else "v-b",
        created_at=at,
    )
    session.add(ticket)
    session.flush()
    assert ticket.id is not None
    return ticket.id


def _seed_tickets(session: Session, now: datetime) -> None:
    yesterday = now - timedelta(days=1)
    ids = {
        "auto": _ticket(session, 1, "settlement_delay", "auto", "reviewed", now),
        "waiting": _ticket(session, 2, "settlement_delay", "review", "in_review", now),
        "llm": _ticket(session, 3, "refund_issue", "auto_llm", "auto_routed", now),
        "old": _ticket(session, 4, "refund_issue", "review", "reviewed", yesterday),
    }
    verdicts = [
        (ids["old"], "refund_issue", "payout_failure", now - timedelta(hours=20)),
        (ids["old"], "payout_failure", "refund_issue", now - timedelta(hours=1)),  # not first
        (ids["auto"], "settlement_delay", "settlement_delay", now),
    ]
    for ticket_id, old, new, at in verdicts:
        session.add(
            Correction(
                ticket_id=ticket_id,
                analyst="a@psp.example",
                old_category=old,
                new_category=new,
                confirmed=old == new,
                created_at=at,
            )
        )


def _seed_spend_and_jobs(session: Session, now: datetime) -> None:
    yesterday = now - timedelta(days=1)
    for team, tokens_in, tokens_out, cost, at in [
        ("disputes", 100, 50, 0.01, now),
        ("disputes", 200, 20, 0.02, now),
        ("settlements", 10, 5, 0.001, yesterday),
    ]:
        session.add(
            LlmCall(
                team=team,
                model="m",
                prompt_version="p1",
                tokens_in=tokens_in,
                tokens_out=tokens_out,
                cost_usd=cost,
                outcome="ok",
                created_at=at,
            )
        )
    for n, (kind, status, attempts, at) in enumerate(
        [
            ("writeback.note", "dead", 6, now),
            ("review.send_reply", "dead", 6, yesterday),
            ("llm.fallback", "dead", 6, now),
            ("writeback.note", "queued", 2, now),
        ]
    ):
        session.add(
            Job(kind=kind, dedupe_key=f"k{n}", status=status, attempts=attempts, updated_at=at)
        )


def _seed_drift(session: Session, now: datetime) -> None:
    session.add(
        ModelVersion(
            id="v-a",
            status="active",
            artefact=b"-",
            sha256="0" * 64,
            training_data_hash="0" * 64,
            taxonomy_hash="0" * 64,
            metrics={
                "cv": {
                    "per_class": {
                        "settlement_delay": {"support": 30},
                        "refund_issue": {"support": 10},
                    }
                }
            },
        )
    )
    for n, (category, confidence, threshold) in enumerate(
        [
            ("settlement_delay", 0.3, 0.8),
            ("settlement_delay", 0.9, 0.8),
            ("refund_issue", 0.6, None),
            ("refund_issue", 0.95, 0.9),
        ]
    ):
        session.add(
            Decision(
                ticket_id=n % 3 + 1,
                stage="classifier",
                route="auto",
                category=category,
                confidence=confidence,
                threshold=threshold,
                created_at=now,
            )
        )


@pytest.fixture
def seeded(settings: Settings, session: Session) -> Iterator[Seeded]:
    now = utcnow()
    headers = bearer(make_user(session, "lena@psp.example", "lead", []))
    _seed_tickets(session, now)
    _seed_spend_and_jobs(session, now)
    _seed_drift(session, now)
    session.commit()
    with TestClient(create_app()) as client:
        yield client, headers, now


def _on(day: datetime, days: list[str], values: list) -> object:
    return values[days.index(day.date().isoformat())]


def test_dashboard_figures(seeded: Seeded) -> None:
    client, headers, now = seeded
    d = client.get("/api/ops/dashboard?days=7", headers=headers).json()
    days, yesterday = d["days"], now - timedelta(days=1)
    assert len(days) == 7 and days[-1] == now.date().isoformat()
    counts = d["tickets_per_day"]["counts"]
    assert _on(now, days, counts["settlement_delay"]) == 2
    assert _on(now, days, counts["refund_issue"]) == 1
    assert _on(yesterday, days, counts["refund_issue"]) == 1
    assert _on(now, days, d["auto_route"]["rate"]) == round(2 / 3, 4)
    assert d["auto_route"]["overall"] == 0.5
    assert d["backlog"]["total"] == 1 and d["backlog"]["by_team"]["settlements"]["n"] == 1
    assert d["backlog"]["age_buckets"]["under 1 h"] == 1

    c = d["corrections"]
    assert (c["reviewed"], c["corrected"], c["rate"]) == (2, 1, 0.5)
    assert c["by_category"]["refund_issue"] == {"reviewed": 1, "corrected": 1, "rate": 1.0}
    assert c["by_category"]["settlement_delay"]["rate"] == 0.0
    assert d["model_versions"]["v-a"] == {"tickets": 3, "auto": 2, "auto_rate": round(2 / 3, 4)}

    llm = d["llm"]
    assert llm["teams"] == ["disputes", "settlements"]
    assert _on(now, days, llm["calls"]["disputes"]) == 2
    assert _on(now, days, llm["tokens"]["disputes"]) == 370
    assert _on(now, days, llm["cost_usd"]["disputes"]) == 0.03
    assert _on(yesterday, days, llm["tokens"]["settlements"]) == 15
    assert llm["today"]["disputes"]["remaining"] == llm["daily_budget_tokens"] - 370

    jobs = d["jobs"]
    assert jobs["dead_by_kind"] == {"llm.fallback": 1, "review.send_reply": 1, "writeback.note": 1}
    assert _on(now, days, jobs["writeback_failures"]) == 1
    assert _on(yesterday, days, jobs["writeback_failures"]) == 1
    assert jobs["writeback_retrying"] == 1 and len(jobs["recent_dead"]) == 3


def test_drift_figures(seeded: Seeded) -> None:
    client, headers, _now = seeded
    drift = client.get("/api/ops/drift?weeks=4", headers=headers).json()
    assert drift["active_version"] == "v-a"
    assert drift["training_mix"] == {"refund_issue": 0.25, "settlement_delay": 0.75}
    latest = drift["latest"]
    assert latest["predictions"] == 4
    assert latest["low_confidence_share"] == 0.25  # 0.3 < 0.5
    assert latest["below_threshold_share"] == 0.5  # 0.3 < 0.8, and a category without one
    assert latest["mix"] == {"refund_issue": 0.5, "settlement_delay": 0.5}
    assert latest["mix_distance"] == 0.25
    assert [w["predictions"] for w in drift["weeks"][:-1]] == [0, 0, 0]


def test_ops_api_is_for_leads(seeded: Seeded, session: Session) -> None:
    client, _headers, _now = seeded
    analyst = bearer(make_user(session, "omar@psp.example", "analyst", ["settlements"]))
    session.commit()
    for path in ("/api/ops/dashboard", "/api/ops/drift", "/api/ops/models", "/api/ops/shadow"):
        assert client.get(path, headers=analyst).status_code == 403
        assert client.get(path).status_code == 401
    assert client.post("/api/ops/rollback", headers=analyst).status_code == 403
