"""Authorization of every review and audit endpoint: no token, wrong team, lead, CSRF on cookies."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from tests.review.conftest import World
from tests.review.factories import bearer
from triage.audit.models import AuditEvent
from triage.jobs.models import Job
from triage.tickets.models import Correction, Reply

TICKET_CALLS = [
    ("get", "/api/tickets/{id}", None),
    ("post", "/api/tickets/{id}/confirm", None),
    ("post", "/api/tickets/{id}/correct", {"category": "refund_issue", "reason": "refund"}),
    ("post", "/api/tickets/{id}/reply", {"body": "Hello"}),
    ("post", "/api/tickets/{id}/approve", None),
    ("post", "/api/tickets/{id}/requeue", None),
]
OTHER_CALLS = [
    ("get", "/api/queue", None),
    ("post", "/api/queue/bulk-confirm", {"ticket_ids": [1]}),
    ("get", "/api/audit", None),
    ("get", "/api/audit.csv", None),
]


def _call(client: TestClient, method: str, url: str, body: object, token: str | None = None):
    headers = bearer(token) if token else {}
    return client.request(method.upper(), url, json=body, headers=headers)


def test_no_token_or_a_bad_token_is_401_everywhere(client: TestClient, world: World):
    for method, path, body in TICKET_CALLS + OTHER_CALLS:
        url = path.format(id=world.own)
        response = _call(client, method, url, body)
        assert (response.status_code, response.json()["error"]) == (401, "unauthorized"), url
        assert _call(client, method, url, body, "trg_not-a-real-token").status_code == 401, url


def test_other_teams_ticket_is_404_and_untouched(
    client: TestClient, world: World, session: Session
):
    for method, path, body in TICKET_CALLS:
        response = _call(client, method, path.format(id=world.other), body, world.settlements)
        assert response.status_code == 404, path
        assert "Dispute" not in response.text
    session.expire_all()
    assert session.exec(select(Correction)).all() == []
    assert session.exec(select(Job).where(Job.kind == "review.send_reply")).all() == []
    actions = {e.action for e in session.exec(select(AuditEvent))}
    assert actions == {"user.create"}
    assert session.get(Reply, world.other_reply).body.startswith("Hello there")


def test_unknown_ticket_is_404_like_another_teams(client: TestClient, world: World):
    response = client.get("/api/tickets/999999", headers=bearer(world.settlements))
    assert response.status_code == 404
    hidden = client.get(f"/api/tickets/{world.other}", headers=bearer(world.settlements))
    assert hidden.json() == response.json()


def test_analyst_queue_lists_only_own_team(client: TestClient, world: World):
    page = client.get("/api/queue", headers=bearer(world.settlements)).json()
    assert [item["id"] for item in page["items"]] == [world.own]
    other = client.get("/api/queue?team=disputes", headers=bearer(world.settlements)).json()
    assert other["items"] == [] and other["total"] == 0


def test_lead_sees_every_team(client: TestClient, world: World):
    page = client.get("/api/queue", headers=bearer(world.lead)).json()
    assert {item["id"] for item in page["items"]} == {world.own, world.other}
    detail = client.get(f"/api/tickets/{world.other}", headers=bearer(world.lead))
    assert detail.status_code == 200
    assert detail.json()["team"] == "disputes"


def test_bulk_confirm_skips_other_teams_tickets(client: TestClient, world: World):
    body = {"ticket_ids": [world.own, world.other, 424242]}
    result = client.post("/api/queue/bulk-confirm", json=body, headers=bearer(world.settlements))
    assert result.status_code == 200
    assert result.json() == {"confirmed": [world.own], "skipped": [world.other, 424242]}


def test_audit_is_for_leads_only(client: TestClient, world: World):
    for path in ("/api/audit", "/api/audit.csv"):
        assert client.get(path, headers=bearer(world.settlements)).status_code == 403
        assert client.get(path, headers=bearer(world.lead)).status_code == 200


def _sign_in(client: TestClient, token: str) -> str:
    """Sign in through the form; returns the session's CSRF token read from a page."""
    login = client.get("/login")
    csrf = login.text.split('name="csrf_token" value="')[1].split('"')[0]
    done = client.post("/login", data={"token": token, "csrf_token": csrf})
    assert done.status_code == 303
    queue = client.get("/queue")
    return queue.text.split('name="csrf_token" value="')[1].split('"')[0]


def test_cookie_writes_need_the_csrf_header(client: TestClient, world: World, session: Session):
    csrf = _sign_in(client, world.settlements)
    assert client.get(f"/api/tickets/{world.own}").status_code == 200
    forged = client.post(f"/api/tickets/{world.own}/confirm")
    assert forged.status_code == 403
    assert forged.json()["error"] == "csrf"
    wrong = client.post(f"/api/tickets/{world.own}/confirm", headers={"X-CSRF-Token": "nope"})
    assert wrong.status_code == 403
    assert session.exec(select(Correction)).all() == []
    ok = client.post(f"/api/tickets/{world.own}/confirm", headers={"X-CSRF-Token": csrf})
    assert ok.status_code == 200
    assert ok.json()["status"] == "reviewed"


def test_openapi_documents_every_review_route_with_a_response_model(client: TestClient):
    paths = client.get("/openapi.json").json()["paths"]
    for method, path, _body in TICKET_CALLS + OTHER_CALLS:
        spec_path = path.replace("{id}", "{ticket_id}")
        assert spec_path in paths, spec_path
        responses = paths[spec_path][method]["responses"]
        assert "200" in responses
    detail = paths["/api/tickets/{ticket_id}"]["get"]["responses"]["200"]
    assert detail["content"]["application/json"]["schema"]["$ref"].endswith("/TicketDetail")
    assert "/login" not in paths and "/queue" not in paths


def test_out_of_range_ids_are_a_clean_4xx(client: TestClient, world: World):
    huge = 2**63
    assert client.get(f"/api/tickets/{huge}", headers=bearer(world.lead)).status_code == 422
    body = {"ticket_ids": [huge]}
    assert (
        client.post("/api/queue/bulk-confirm", json=body, headers=bearer(world.lead)).status_code
        == 422
    )
    assert client.get(f"/api/audit?ticket_id={huge}", headers=bearer(world.lead)).status_code == 422
