"""The analyst pages: sign-in cookie, CSRF on every form, escaping, team isolation, no inline JS."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from tests.review.conftest import World
from tests.review.factories import make_ticket
from triage.auth import sessions
from triage.config import get_settings
from triage.main import create_app
from triage.tickets.models import Correction, Reply

CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


def _csrf(html: str) -> str:
    match = CSRF_FIELD.search(html)
    assert match is not None
    return match.group(1)


def sign_in(client: TestClient, token: str) -> str:
    csrf = _csrf(client.get("/login").text)
    response = client.post("/login", data={"token": token, "csrf_token": csrf})
    assert response.status_code == 303 and response.headers["location"] == "/queue"
    return _csrf(client.get("/queue").text)


def test_pages_redirect_to_sign_in(client: TestClient, world: World):
    for path in ("/queue", f"/tickets/{world.own}", "/audit"):
        response = client.get(path)
        assert response.status_code == 303 and response.headers["location"] == "/login"
    for path, _form in FORMS:
        response = client.post(path.format(id=world.own), data={"csrf_token": "x"})
        assert response.status_code == 303 and response.headers["location"] == "/login"


def test_sign_in_sets_a_strict_httponly_signed_cookie(client: TestClient, world: World):
    csrf = _csrf(client.get("/login").text)
    response = client.post("/login", data={"token": world.settlements, "csrf_token": csrf})
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f"{sessions.COOKIE_NAME}=")
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie
    assert "Secure" not in cookie
    value = cookie.split("=", 1)[1].split(";")[0]
    assert world.settlements not in value
    assert sessions.read(get_settings(), value + "x") is None


def test_cookie_is_secure_when_configured(world: World, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("TRIAGE_COOKIE_SECURE", "true")
    get_settings.cache_clear()
    client = TestClient(create_app(), base_url="https://testserver", follow_redirects=False)
    csrf = _csrf(client.get("/login").text)
    response = client.post("/login", data={"token": world.settlements, "csrf_token": csrf})
    assert "Secure" in response.headers["set-cookie"]


def test_wrong_token_is_refused(client: TestClient, world: World):
    csrf = _csrf(client.get("/login").text)
    response = client.post("/login", data={"token": "trg_wrong", "csrf_token": csrf})
    assert response.status_code == 401
    assert "not valid" in response.text
    assert client.get("/queue").status_code == 303


def test_sign_in_form_needs_its_csrf_token(client: TestClient, world: World):
    client.get("/login")
    response = client.post("/login", data={"token": world.settlements, "csrf_token": "forged"})
    assert response.status_code == 403
    assert client.get("/queue").status_code == 303


FORMS = [
    ("/tickets/{id}/confirm", {}),
    ("/tickets/{id}/correct", {"category": "payout_failure", "reason": "returned"}),
    ("/tickets/{id}/reply", {"body": "Hello"}),
    ("/tickets/{id}/approve", {}),
    ("/tickets/{id}/requeue", {}),
    ("/queue/bulk-confirm", {"ticket_id": "{id}"}),
]


def test_every_form_rejects_a_missing_or_wrong_csrf_token(
    client: TestClient, world: World, session: Session
):
    sign_in(client, world.settlements)
    for path, form in FORMS:
        data = {k: v.format(id=world.own) for k, v in form.items()}
        url = path.format(id=world.own)
        assert client.post(url, data=data).status_code == 403, url
        response = client.post(url, data=data | {"csrf_token": "forged"})
        assert response.status_code == 403, url
        assert "expired or did not come from triage" in response.text
    session.expire_all()
    assert session.exec(select(Correction)).all() == []
    reply = session.exec(select(Reply).where(Reply.ticket_id == world.own)).one()
    assert reply.body.startswith("Hello there") and reply.status == "draft"


def test_ticket_text_is_escaped(client: TestClient, world: World, session: Session):
    evil = make_ticket(
        session,
        "1009",
        subject="<script>alert('subject')</script>",
        body='Hi <img src=x onerror="alert(1)"> <script>steal()</script>',
        reply_body="<b>bold</b> reply",
    )
    sign_in(client, world.settlements)
    for path in (f"/tickets/{evil.id}", "/queue"):
        html = client.get(path).text
        assert "<script>alert" not in html and "<script>steal" not in html
        assert "&lt;script&gt;alert(&#39;subject&#39;)&lt;/script&gt;" in html
    detail = client.get(f"/tickets/{evil.id}").text
    assert "<img src=x" not in detail and "&lt;img src=x" in detail
    assert "&lt;b&gt;bold&lt;/b&gt;" in detail


def test_pages_have_no_inline_script_or_style_and_send_the_csp(client: TestClient, world: World):
    sign_in(client, world.settlements)
    for path in ("/login", "/queue", f"/tickets/{world.own}"):
        response = client.get(path)
        csp = response.headers["content-security-policy"]
        assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
        html = response.text
        assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", html) == []
        assert " style=" not in html and "<style" not in html
        assert re.search(r"\son[a-z]+=", html) is None


def test_other_teams_ticket_page_is_not_found(client: TestClient, world: World):
    sign_in(client, world.settlements)
    response = client.get(f"/tickets/{world.other}")
    assert response.status_code == 404
    assert "Dispute deadline" not in response.text
    assert "Dispute deadline" not in client.get("/queue").text


def test_confirm_and_edit_through_the_forms(client: TestClient, world: World, session: Session):
    csrf = sign_in(client, world.settlements)
    confirmed = client.post(f"/tickets/{world.own}/confirm", data={"csrf_token": csrf})
    assert confirmed.status_code == 303
    assert confirmed.headers["location"] == f"/tickets/{world.own}?done=confirm"
    edited = client.post(
        f"/tickets/{world.own}/reply", data={"csrf_token": csrf, "body": "Funds land Monday."}
    )
    assert edited.status_code == 303
    page = client.get(edited.headers["location"]).text
    assert "Reply saved." in page and "Funds land Monday." in page
    session.expire_all()
    assert session.exec(select(Correction)).one().confirmed


def test_a_refused_action_shows_the_reason_on_the_ticket(client: TestClient, world: World):
    csrf = sign_in(client, world.settlements)
    response = client.post(f"/tickets/{world.own}/approve", data={"csrf_token": csrf})
    assert response.status_code == 409
    assert "confirm or correct the category before approving the reply" in response.text


def test_sign_out_ends_the_session(client: TestClient, world: World, session: Session):
    csrf = sign_in(client, world.settlements)
    response = client.post("/logout", data={"csrf_token": csrf})
    assert response.status_code == 303
    assert client.get("/queue").status_code == 303


def test_audit_page_is_for_leads(client: TestClient, world: World):
    sign_in(client, world.settlements)
    assert client.get("/audit").status_code == 403
    lead = TestClient(client.app, follow_redirects=False)
    sign_in(lead, world.lead)
    page = lead.get("/audit")
    assert page.status_code == 200 and "user.create" in page.text


def test_bulk_confirm_form(client: TestClient, world: World, session: Session):
    second = make_ticket(session, "1010", "payout_failure").id
    csrf = sign_in(client, world.settlements)
    form = {"csrf_token": csrf, "ticket_id": [str(world.own), str(second), str(world.other)]}
    response = client.post("/queue/bulk-confirm", data=form)
    assert response.status_code == 303
    page = client.get(response.headers["location"]).text
    assert "Confirmed 2 ticket(s). Skipped 1." in page
    session.expire_all()
    assert sorted(c.ticket_id for c in session.exec(select(Correction))) == [world.own, second]


def test_huge_ticket_id_in_a_page_is_not_found(client: TestClient, world: World):
    sign_in(client, world.lead)
    assert client.get(f"/tickets/{2**40}").status_code == 404
