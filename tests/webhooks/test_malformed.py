"""Malformed bodies get a clear 4xx, never a 500: deep nesting, broken JSON."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from tests import signing
from triage.config import Settings
from triage.main import create_app
from triage.tickets.models import Ticket
from triage.webhooks.parsing import MAX_DEPTH, too_deep


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app()) as c:
        yield c


def _post(client: TestClient, source: str, body: bytes) -> object:
    sign = signing.zendesk_headers if source == "zendesk" else signing.servicenow_headers
    return client.post(f"/webhooks/{source}", content=body, headers=sign(body))


def _nested(depth: int, inner: bytes = b"1") -> bytes:
    return b'{"ticket": ' + b"[" * depth + inner + b"]" * depth + b"}"


def test_depth_is_counted_outside_strings_only() -> None:
    assert not too_deep(b'{"a": "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\\"[["}')
    assert not too_deep(b"[" * MAX_DEPTH + b"]" * MAX_DEPTH)
    assert too_deep(b"[" * (MAX_DEPTH + 1) + b"]" * (MAX_DEPTH + 1))
    assert too_deep(b'{"a":' * (MAX_DEPTH + 1) + b"1" + b"}" * (MAX_DEPTH + 1))
    assert not too_deep(b"[[],{},[[]],{}]" * 1000)


@pytest.mark.parametrize("source", ["zendesk", "servicenow"])
@pytest.mark.parametrize("depth", [MAX_DEPTH + 1, 5_000, 100_000])
def test_deeply_nested_json_is_400(
    client: TestClient, session: Session, source: str, depth: int
) -> None:
    answer = _post(client, source, _nested(depth))
    assert answer.status_code == 400, answer.text
    assert answer.json()["error"] == "invalid_json"
    unclosed = _post(client, source, b"[" * depth)
    assert unclosed.status_code == 400
    assert session.exec(select(Ticket)).all() == []


def test_nesting_within_the_limit_is_still_parsed(client: TestClient) -> None:
    payload = signing.zendesk_event(9, "Payout", "Where is it?", "d-9")
    payload["detail"]["custom"] = [[[[{"deep": [1, 2, {"x": []}]}]]]]
    body = signing.dumps(payload)
    assert _post(client, "zendesk", body).status_code == 202


def test_nul_characters_are_dropped_not_a_500(client: TestClient, session: Session) -> None:
    payload = signing.zendesk_event(10, "payout\x00 failed", "the payout \x00 bounced", "d-10")
    answer = _post(client, "zendesk", signing.dumps(payload))
    assert answer.status_code == 202, answer.text
    ticket = session.exec(select(Ticket)).one()
    assert (ticket.subject, ticket.body) == ("payout failed", "the payout  bounced")
