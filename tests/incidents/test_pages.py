"""The Incidents pages and the queue banner, as analysts and leads use them; and the metrics."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from tests.incidents import helpers
from tests.review.conftest import World
from tests.review.conftest import client as client
from tests.review.conftest import world as world
from tests.review.test_review_ui import _csrf, sign_in
from triage.config import Settings
from triage.incidents.models import Incident
from triage.jobs.models import Job


@pytest.fixture
def incident(session: Session, settings: Settings, world: World) -> Incident:
    return helpers.open_incident(session, settings, 12, 7000)


def test_the_team_sees_the_banner_on_its_queue_and_the_incident_listed(
    client: TestClient, world: World, incident: Incident
) -> None:
    sign_in(client, world.settlements)
    queue = client.get("/queue").text
    assert "flash-incident" in queue and f'href="/incidents/{incident.id}"' in queue
    assert "12 tickets from 12 merchants" in queue
    listing = client.get("/incidents").text
    assert incident.title in listing and ">open<" in listing


def test_another_team_sees_no_banner_and_cannot_open_it(
    client: TestClient, world: World, incident: Incident
) -> None:
    sign_in(client, world.disputes)
    assert "flash-incident" not in client.get("/queue").text
    assert client.get(f"/incidents/{incident.id}").status_code == 404
    assert incident.title not in client.get("/incidents").text


def test_acknowledge_answer_and_resolve_from_the_page(
    client: TestClient, world: World, incident: Incident, session: Session
) -> None:
    sign_in(client, world.settlements)
    page = client.get(f"/incidents/{incident.id}")
    assert page.status_code == 200 and 'id="approve-answer"' in page.text
    csrf = _csrf(page.text)
    url = f"/incidents/{incident.id}"
    assert client.post(f"{url}/acknowledge", data={"csrf_token": "forged"}).status_code == 403

    assert client.post(f"{url}/acknowledge", data={"csrf_token": csrf}).status_code == 303
    message = (
        "The 2026-12-04 payout file was resent; funds arrive tomorrow. Card 4111 1111 1111 1111"
    )
    form = {"csrf_token": csrf, "template_id": "incident_update", "message": message}
    done = client.post(f"{url}/answer", data=form)
    assert done.status_code == 303 and done.headers["location"].endswith("sent=12")
    shown = client.get(done.headers["location"]).text
    assert "12 ticket(s) get it" in shown and "4111 1111 1111 1111" not in shown
    session.expire_all()
    sends = session.exec(select(Job).where(Job.kind == "review.send_reply")).all()
    assert len(sends) == 12

    assert client.post(f"{url}/resolve", data={"csrf_token": csrf}).status_code == 303
    assert "flash-incident" not in client.get("/queue").text
    session.expire_all()
    resolved = session.get(Incident, incident.id)
    assert resolved is not None and resolved.status == "resolved"


def test_an_empty_answer_is_refused_with_the_reason(
    client: TestClient, world: World, incident: Incident
) -> None:
    csrf = sign_in(client, world.lead)
    form = {"csrf_token": csrf, "template_id": "incident_update", "message": "   "}
    response = client.post(f"/incidents/{incident.id}/answer", data=form)
    assert response.status_code == 200 and "the answer is empty" in response.text


def test_leads_see_the_dashboard_chart_and_metrics_count_incidents(
    client: TestClient, world: World, incident: Incident
) -> None:
    sign_in(client, world.lead)
    dashboard = client.get("/ops").text
    assert 'id="incidents-chart"' in dashboard and "Incidents opened per category" in dashboard
    metrics = client.get("/metrics").text
    assert 'triage_incidents_open{category="settlement_delay"} 1.0' in metrics
    assert 'triage_incidents_opened_total{category="settlement_delay"}' in metrics


def test_a_merchants_flood_is_listed_as_a_likely_duplicate_burst(
    client: TestClient, world: World, session: Session, settings: Settings
) -> None:
    now = helpers.utcnow()
    for n in range(9):
        helpers.decided(session, str(8000 + n), "org-flood", at=now - helpers.timedelta(seconds=n))
    assert helpers.service.detect(session, "settlement_delay", now, settings)["spike"] is False
    session.commit()
    sign_in(client, world.lead)
    listing = client.get("/incidents").text
    assert 'id="bursts"' in listing and "org-flood" in listing


def test_the_json_api_lists_acknowledges_answers_and_resolves(
    client: TestClient, world: World, incident: Incident, session: Session
) -> None:
    lead = {"Authorization": f"Bearer {world.lead}"}
    outsider = {"Authorization": f"Bearer {world.disputes}"}
    assert client.get("/api/incidents", headers=outsider).json() == []
    assert client.get(f"/api/incidents/{incident.id}", headers=outsider).status_code == 404
    (listed,) = client.get("/api/incidents", headers=lead).json()
    assert (listed["id"], listed["tickets"], listed["merchants"]) == (incident.id, 12, 12)

    url = f"/api/incidents/{incident.id}"
    assert client.post(f"{url}/acknowledge", headers=lead).json()["status"] == "acknowledged"
    bad = client.post(f"{url}/answer", headers=lead, json={"template_id": "nope", "message": "x"})
    assert bad.status_code == 422
    body = {"template_id": "incident_update", "message": "Resent the bank file at 11:00 UTC."}
    answered = client.post(f"{url}/answer", headers=lead, json=body).json()
    assert answered["answered_by"] == "lee@psp.example" and len(answered["ticket_ids"]) == 12
    assert client.post(f"{url}/answer", headers=lead, json=body).status_code == 409
    assert client.post(f"{url}/resolve", headers=lead).json()["status"] == "resolved"
