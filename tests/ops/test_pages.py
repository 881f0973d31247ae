"""The lead pages through the real app: they render with server-side SVG under the strict CSP,
their forms need the session's CSRF token, and analysts cannot use them."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlmodel import select

from tests.ops import flows, samples
from tests.ops.conftest import Ops
from triage.audit.models import AuditEvent
from triage.classify import tasks as training
from triage.jobs.models import Job


def _sign_in(client: TestClient, token: str) -> str:
    """Sign in through the login form; returns the CSRF token of the new session."""
    form = client.get("/login").text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)  # type: ignore[union-attr]
    response = client.post(
        "/login", data={"token": token, "csrf_token": csrf}, follow_redirects=False
    )
    assert response.status_code == 303
    page = client.get("/ops/models").text
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]


def _token(headers: dict[str, str]) -> str:
    return headers["Authorization"].removeprefix("Bearer ")


def test_dashboard_and_models_pages_render_for_a_lead(ops: Ops) -> None:
    ops.ingest("95001", "Payout bounced", "the bank returned our payout yesterday")
    _sign_in(ops.client, _token(ops.lead))
    dashboard = ops.client.get("/ops")
    assert dashboard.status_code == 200
    assert "script-src 'self'" in dashboard.headers["content-security-policy"]
    html = dashboard.text
    assert html.count('<svg class="chart"') >= 9
    assert "Tickets per category per day" in html and 'id="drift"' in html
    assert "style=" not in html and "<style" not in html and "<script>" not in html
    assert 'href="/ops/models"' in html  # the navigation link for leads
    models = ops.client.get("/ops/models").text
    assert ops.first_version in models and "Train candidate" in models


def test_forms_need_csrf_and_a_reason_to_force(ops: Ops) -> None:
    csrf = _sign_in(ops.client, _token(ops.lead))
    forged = ops.client.post(
        "/ops/models/train", data={"csrf_token": "nope"}, follow_redirects=False
    )
    assert forged.status_code == 403
    missing = ops.client.post("/ops/models/train", follow_redirects=False)
    assert missing.status_code == 403 and "expired or did not come from triage" in missing.text
    queued = ops.client.post("/ops/models/train", data={"csrf_token": csrf}, follow_redirects=False)
    assert queued.status_code == 303 and "notice=Training" in queued.headers["location"]
    assert training.current_job(ops.session) is not None
    flows.run_jobs()
    candidate = flows.trained_version(ops)

    ops.gates(samples.STRICT_GATES)
    compare = ops.client.get(f"/ops/models/{candidate}/compare").text
    assert "n 6 &lt; min 100" in compare and 'id="compare-golden"' in compare
    url = f"/ops/models/{candidate}/promote"
    refused = ops.client.post(url, data={"csrf_token": csrf}, follow_redirects=False)
    assert "error=" in refused.headers["location"] and "refused" in refused.headers["location"]
    listed = ops.client.get(refused.headers["location"]).text.split('id="gate-refusal"')[1]
    assert listed.count("<li>gate failed: ") >= 1 and "<li>refused: " in listed
    blank = ops.client.post(url, data={"csrf_token": csrf, "force": "true"}, follow_redirects=False)
    assert "needs%20a%20reason" in blank.headers["location"]
    forced = ops.client.post(
        url,
        data={"csrf_token": csrf, "force": "true", "reason": "golden set is being rebuilt"},
        follow_redirects=False,
    )
    assert "notice=" in forced.headers["location"]
    assert candidate in ops.client.get("/ops/models").text.split('id="active-version">')[1][:40]
    page = ops.client.get("/ops/models").text
    assert f"Roll back to {ops.first_version}" in page and 'id="rollback-reason" required' in page
    unexplained = ops.client.post(
        "/ops/rollback", data={"csrf_token": csrf}, follow_redirects=False
    )
    assert "error=say%20why" in unexplained.headers["location"]
    rolled = ops.client.post(
        "/ops/rollback",
        data={"csrf_token": csrf, "reason": "candidate misroutes refunds"},
        follow_redirects=False,
    )
    assert ops.first_version in rolled.headers["location"]
    [event] = ops.session.exec(
        select(AuditEvent).where(AuditEvent.action == "model.rollback")
    ).all()
    assert event.detail == "candidate misroutes refunds"
    assert 'id="rollback" disabled' in ops.client.get("/ops/models").text
    actions = set(ops.session.exec(select(AuditEvent.action)).all())
    assert {"model.train_requested", "model.activate", "model.rollback"} <= actions
    assert ops.session.exec(select(Job).where(Job.kind == training.KIND)).all()


def test_analysts_and_strangers_are_turned_away(ops: Ops) -> None:
    assert ops.client.get("/ops", follow_redirects=False).headers["location"] == "/login"
    analyst_page = ops.client.get("/ops", headers=ops.analyst)
    assert analyst_page.status_code == 403
    analyst_form = ops.client.post("/ops/rollback", headers=ops.analyst, data={"csrf_token": "x"})
    assert analyst_form.status_code == 403 and "These pages are for leads." in analyst_form.text
    assert "Dashboard</a>" not in ops.client.get("/queue", headers=ops.analyst).text
