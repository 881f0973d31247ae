"""Card numbers in the fields nobody reads: ids and headers.

Exact ids (ticket, delivery, sys_id, number, timestamps, the invocation header) holding a card
are refused with 422; display ids (requester, organization, author, comment, caller, company)
are redacted like any text; an X-Request-ID that is not a short token is replaced. Afterwards
neither the database files' bytes nor any table row nor any captured log line holds the card.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import make_url
from sqlmodel import Session, select

from tests import signing
from tests.leak import collect
from tests.leak.collect import LogCapture
from triage.config import Settings, get_settings
from triage.db.engine import engine_for
from triage.main import create_app
from triage.tickets.models import Comment, Ticket

CARD = "4539148803436467"
FORMS = (CARD, "4539 1488 0343 6467", "4539-1488-0343-6467", "4539.1488.0343.6467")
HEX_WITH_CARD = CARD + "abcdefabcdefabcd"  # 32 hex characters: a well-formed sys_id shape
SYS_ID = "5b07c3e19a2d4f6880b1e7d2c9a4f301"


@pytest.fixture
def logs(monkeypatch: pytest.MonkeyPatch) -> Iterator[LogCapture]:
    root, capture = logging.getLogger(), LogCapture()
    level = root.level
    monkeypatch.setenv("TRIAGE_LOG_LEVEL", "DEBUG")
    get_settings.cache_clear()
    root.addHandler(capture)
    try:
        yield capture
    finally:
        root.removeHandler(capture)
        root.setLevel(level)


@pytest.fixture
def client(settings: Settings, logs: LogCapture) -> Iterator[TestClient]:
    with TestClient(create_app()) as c:
        yield c


def _zendesk(client: TestClient, payload: dict[str, Any], **headers: str) -> Any:
    body = signing.dumps(payload)
    return client.post(
        "/webhooks/zendesk", content=body, headers={**signing.zendesk_headers(body), **headers}
    )


def _servicenow(client: TestClient, payload: dict[str, Any], **headers: str) -> Any:
    body = signing.dumps(payload)
    return client.post(
        "/webhooks/servicenow",
        content=body,
        headers={**signing.servicenow_headers(body), **headers},
    )


def _event(n: int, **detail: Any) -> dict[str, Any]:
    payload = signing.zendesk_event(n, "Payout", "Where is my payout?", f"d-{n}")
    payload["detail"].update(detail)
    return payload


def _trigger(ticket_id: Any, **fields: Any) -> dict[str, Any]:
    return {"event": "ticket.created", "ticket": {"id": ticket_id, "subject": "s", **fields}}


def _refused_payloads() -> list[tuple[str, dict[str, Any], dict[str, str]]]:
    sn = signing.servicenow_record(SYS_ID, "s", "d")
    cases: list[tuple[str, dict[str, Any], dict[str, str]]] = []
    for n, form in enumerate(FORMS):
        cases += [
            ("zendesk", _event(10 + n, id=form), {}),
            ("zendesk", {**_event(20 + n), "id": form}, {}),
            ("zendesk", _event(30 + n, updated_at=form), {}),
            ("zendesk", _trigger(form), {}),
            ("zendesk", _trigger(40 + n), {"X-Zendesk-Webhook-Invocation-Id": form}),
            ("servicenow", {**sn, "sys_id": form}, {}),
            ("servicenow", {**sn, "number": f"INC{form}"}, {}),
            ("servicenow", {**sn, "delivery_id": form}, {}),
            ("servicenow", {**sn, "sys_updated_on": form}, {}),
            ("servicenow", {**sn, "caller": form}, {}),
        ]
    cases.append(("servicenow", {**sn, "sys_id": HEX_WITH_CARD}, {}))
    return cases


def _accepted(client: TestClient) -> None:
    """Display ids that hold a card in a valid shape: stored, redacted."""
    comment = signing.zendesk_event(
        77, "Payout", "Where is it?", "d-77-c", "ticket.comment_added", "Any news?"
    )
    comment["event"]["comment"].update({"id": CARD, "author": {"id": CARD}})
    answers = [
        _zendesk(client, _event(77, requester_id=CARD, organization_id=int(CARD))),
        _zendesk(client, comment),
        _zendesk(client, _trigger(78, requester_id=CARD, organization_id=CARD)),
        _servicenow(
            client,
            signing.servicenow_record(
                SYS_ID, "s", "d", caller=HEX_WITH_CARD, company=HEX_WITH_CARD
            ),
        ),
    ]
    assert [a.status_code for a in answers] == [202] * 4, [a.text for a in answers]


def _database_bytes(url: str) -> bytes:
    path = Path(make_url(url).database or "")
    return b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))


def _digits(text: str) -> str:
    return "".join(ch for ch in text if ch.isdigit())


def test_cards_in_ids_and_headers_are_refused_or_redacted_never_stored_or_logged(
    client: TestClient, session: Session, settings: Settings, logs: LogCapture
) -> None:
    for source, payload, headers in _refused_payloads():
        post = _zendesk if source == "zendesk" else _servicenow
        answer = post(client, payload, **headers, **{"X-Request-ID": CARD})
        assert answer.status_code == 422, (source, payload, headers, answer.text)
        assert CARD not in _digits(answer.text) and answer.headers["x-request-id"] != CARD
    _accepted(client)
    session.expire_all()
    tickets = session.exec(select(Ticket)).all()
    assert {t.external_id for t in tickets} == {"77", "78", SYS_ID}
    assert all(t.requester_id and t.requester_id.startswith("[PAN") for t in tickets)
    assert all(t.organization_id and t.organization_id.startswith("[PAN") for t in tickets)
    (comment,) = session.exec(select(Comment)).all()
    assert comment.author_id == comment.external_id == "[PAN ...6467]"
    logging.getLogger("triage.test").info("scan marker %s", "1234")
    assert any("scan marker" in line for line in logs.lines)
    texts = [doc.text for doc in collect.database(engine_for(settings.database_url))]
    leaks = [t for t in [*texts, *logs.lines] if CARD in _digits(t)]
    assert leaks == [], leaks[:5]
    if settings.is_sqlite:
        raw = _database_bytes(settings.database_url)
        assert raw and not any(form.encode() in raw for form in FORMS)


@pytest.mark.parametrize(
    "ticket_id",
    ["1/../../users/me", "2?role=admin&x=", "0", "-1", "1.5", "", " ", "1" * 13, "١٢", True, 1.0],
)
def test_zendesk_ticket_ids_outside_the_format_are_422(client: TestClient, ticket_id: Any) -> None:
    assert _zendesk(client, _trigger(ticket_id)).status_code == 422
    assert _zendesk(client, _event(5, id=ticket_id)).status_code == 422


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("sys_id", "a" * 65),
        ("sys_id", "../../sys_user/" + "a" * 17),
        ("number", "INC" + "1" * 62),
        ("table", "x" * 81),
        ("sys_updated_on", "2026-11-24 10:00:00" + "0" * 30),
        ("delivery_id", "d" * 129),
        ("caller", "u" * 65),
    ],
)
def test_servicenow_values_over_their_columns_are_422_on_every_database(
    client: TestClient, session: Session, field: str, value: str
) -> None:
    record = {**signing.servicenow_record(SYS_ID, "s", "d"), field: value}
    assert _servicenow(client, record).status_code == 422
    assert session.exec(select(Ticket)).all() == []


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("updated_at", "2026-11-24T10:00:00Z" + "0" * 21),
        ("requester_id", "1" * 65),
        ("organization_id", "1" * 20),
    ],
)
def test_zendesk_values_over_their_columns_are_422_on_every_database(
    client: TestClient, session: Session, field: str, value: str
) -> None:
    assert _zendesk(client, _event(6, **{field: value})).status_code == 422
    long_comment = signing.zendesk_event(6, "s", "d", "d-6-c", "ticket.comment_added", "hi")
    long_comment["event"]["comment"]["id"] = "9" * 65
    assert _zendesk(client, long_comment).status_code == 422
    assert _zendesk(client, {**_event(6), "id": "d" * 129}).status_code == 422
    assert session.exec(select(Ticket)).all() == []
