"""An ops lead in a real browser: the dashboard's server-side charts and the model pages render
under the strict CSP, and the lead compares a candidate (TRIAGE_SCREENSHOTS=1: dashboard.png)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session

from tests.browser.chromium import needs_chromium
from tests.ops import samples
from tests.review.factories import make_user
from triage.classify import registry
from triage.classify import tasks as training
from triage.config import Settings, get_settings
from triage.db.engine import utcnow
from triage.jobs.models import Job
from triage.llm.models import LlmCall
from triage.tickets.models import Correction, Decision, Ticket

# Tickets per day for the last two weeks, per category (oldest day first): a quiet weekend, a
# Monday peak, and settlement complaints growing at the end, as after a bank holiday.
VOLUME = {
    "settlement_delay": [4, 3, 1, 1, 5, 4, 3, 4, 3, 1, 0, 6, 8, 9],
    "refund_issue": [2, 3, 1, 0, 3, 2, 2, 3, 2, 1, 1, 3, 2, 2],
    "chargeback_dispute": [1, 2, 0, 0, 2, 1, 2, 1, 1, 0, 0, 2, 1, 2],
    "api_integration": [2, 1, 0, 1, 1, 2, 1, 2, 1, 0, 1, 1, 2, 1],
}
TEAMS = {
    "settlement_delay": "settlements",
    "refund_issue": "disputes",
    "chargeback_dispute": "disputes",
    "api_integration": "developer_support",
}


@pytest.fixture
def lead_labels(
    live_settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Settings]:
    samples.write_labels(tmp_path / "labels")
    samples.write_evals(tmp_path / "evals", samples.LENIENT_GATES)
    monkeypatch.setenv("TRIAGE_LABELS_DIR", str(tmp_path / "labels"))
    monkeypatch.setenv("TRIAGE_EVALS_DIR", str(tmp_path / "evals"))
    monkeypatch.setenv("TRIAGE_MIN_EXAMPLES_PER_CATEGORY", "4")
    get_settings.cache_clear()
    yield get_settings()
    get_settings.cache_clear()


def _day_of_tickets(session: Session, at: datetime, day: int, version: str) -> None:
    midnight = at.replace(hour=0, minute=0, second=0, microsecond=0)
    for category, counts in VOLUME.items():
        for n in range(counts[day]):
            created = max(midnight, at - timedelta(minutes=17 * n))
            confidence = 0.35 + ((day * 7 + n * 13) % 60) / 100
            ticket = Ticket(
                source="zendesk",
                external_id=f"{category[:3]}-{day}-{n}",
                subject="(seeded)",
                body="(seeded)",
                category=category,
                confidence=confidence,
                route="auto" if confidence >= 0.8 else "review",
                status="auto_routed" if confidence >= 0.8 else "in_review",
                team=TEAMS[category],
                model_version=version,
                created_at=created,
            )
            session.add(ticket)
            session.flush()
            assert ticket.id is not None
            session.add(_decision(ticket, created, version))
            if n == 1:
                session.add(_verdict(ticket, at, wrong=day % 3 == 0))


def _decision(ticket: Ticket, at: datetime, version: str) -> Decision:
    assert ticket.id is not None
    return Decision(
        ticket_id=ticket.id,
        stage="classifier",
        model_version=version,
        category=ticket.category,
        confidence=ticket.confidence,
        threshold=0.8,
        route=ticket.route or "review",
        created_at=at,
    )


def _verdict(ticket: Ticket, at: datetime, wrong: bool) -> Correction:
    assert ticket.id is not None and ticket.category is not None
    new = "payout_failure" if wrong else ticket.category
    return Correction(
        ticket_id=ticket.id,
        analyst="omar@psp.example",
        old_category=ticket.category,
        new_category=new,
        confirmed=not wrong,
        created_at=at,
    )


def _seed(session: Session, settings: Settings) -> dict[str, Any]:
    first = training.ensure_active(session, settings)
    assert first is not None
    model, taxonomy_hash = training.train_from_labels(session, settings, lambda _m: None)
    candidate = registry.register(session, model, taxonomy_hash=taxonomy_hash, created_by="lead")
    now = utcnow()
    for day in range(14):
        at = now - timedelta(days=13 - day)
        _day_of_tickets(session, at, day, first)
        for team, tokens in (("settlements", 900 + day * 40), ("disputes", 500 + day * 25)):
            session.add(
                LlmCall(
                    team=team,
                    model="gpt-4o-mini",
                    prompt_version="classify_v1",
                    tokens_in=tokens,
                    tokens_out=tokens // 8,
                    cost_usd=tokens * 0.00000015,
                    outcome="ok",
                    created_at=at,
                )
            )
    session.add(
        Job(
            kind="writeback.note",
            dedupe_key="wb-dead",
            status="dead",
            attempts=6,
            last_error="http_503 from Zendesk",
            updated_at=now - timedelta(days=2),
        )
    )
    token = make_user(session, "lena@psp.example", "lead", [])
    session.commit()
    return {"first": first, "candidate": candidate.id, "token": token}


@needs_chromium
def test_lead_dashboard_and_models(
    lead_labels: Settings, live_server: str, chromium: Any, session: Session, screenshots: Path
) -> None:
    world = _seed(session, lead_labels)
    context = chromium.new_context(viewport={"width": 1360, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    # Chromium reports what the CSP blocked as console errors starting "Refused to ...".
    page.on("console", lambda msg: errors.append(msg.text) if "Refused" in msg.text else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{live_server}/login")
    page.fill("#token", world["token"])
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server}/queue")

    page.click("header nav >> text=Dashboard")
    page.wait_for_url(f"{live_server}/ops")
    assert page.locator("svg.chart").count() >= 9
    assert page.inner_text("#tile-tickets") == str(sum(sum(v) for v in VOLUME.values()))
    assert page.locator("#dead-jobs tbody tr").count() == 1
    assert page.locator("svg.chart rect").count() > 50
    page.screenshot(path=str(screenshots / "dashboard.png"), full_page=True)

    page.click("header nav >> text=Models")
    page.wait_for_url(f"{live_server}/ops/models")
    assert page.inner_text("#active-version") == world["first"]
    assert page.is_disabled("#rollback")  # the first version: nothing to roll back to
    page.screenshot(path=str(screenshots / "models.png"), full_page=True)
    page.click(f"a[href='/ops/models/{world['candidate']}/compare']")
    page.wait_for_url(f"{live_server}/ops/models/{world['candidate']}/compare")
    assert "passes every gate" in page.inner_text("#gates")
    assert page.locator("#compare-golden tbody tr").count() == 6
    page.screenshot(path=str(screenshots / "compare.png"), full_page=True)
    assert errors == []  # nothing blocked by the CSP, no script errors
    context.close()
