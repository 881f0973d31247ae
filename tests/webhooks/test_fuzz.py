"""No body or header combination produces a 500, and errors never echo the body."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from tests import signing
from triage.config import Settings
from triage.main import create_app

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=20,
)
ticket_like = st.fixed_dictionaries(
    {
        "ticket": st.dictionaries(
            st.sampled_from(["id", "subject", "description", "tags"]), json_values
        )
    },
    optional={"event": st.sampled_from(["ticket.created", "ticket.updated", "x"])},
)
event_like = st.fixed_dictionaries(
    {
        "id": json_values,
        "type": st.sampled_from(
            ["zen:event-type:ticket.created", "zen:event-type:ticket.comment_added"]
        ),
        "detail": json_values,
    },
    optional={"event": json_values},
)
sn_like = st.dictionaries(
    st.sampled_from(
        ["sys_id", "number", "table", "short_description", "description", "event", "comment"]
    ),
    json_values,
)


@pytest.fixture(scope="module")
def fuzz_settings() -> None:
    return None


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app()) as c:
        yield c


@hsettings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(payload=st.one_of(ticket_like, event_like, json_values))
def test_signed_zendesk_bodies_never_500(client: TestClient, payload: object) -> None:
    body = json.dumps(payload).encode()
    response = client.post("/webhooks/zendesk", content=body, headers=signing.zendesk_headers(body))
    assert response.status_code in (202, 400, 409, 413, 422), response.text
    assert "error" in response.json() or response.status_code == 202


@hsettings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(payload=st.one_of(sn_like, json_values))
def test_signed_servicenow_bodies_never_500(client: TestClient, payload: object) -> None:
    body = json.dumps(payload).encode()
    response = client.post(
        "/webhooks/servicenow", content=body, headers=signing.servicenow_headers(body)
    )
    assert response.status_code in (202, 400, 409, 413, 422), response.text


@hsettings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    body=st.binary(max_size=200),
    headers=st.dictionaries(
        st.sampled_from(
            [
                "X-Zendesk-Webhook-Signature",
                "X-Zendesk-Webhook-Signature-Timestamp",
                "Content-Type",
                "Content-Length",
            ]
        ),
        st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=40),
    ),
)
def test_unsigned_garbage_is_rejected_cleanly(
    client: TestClient, body: bytes, headers: dict
) -> None:
    headers = {k: v for k, v in headers.items() if k != "Content-Length"}
    for path in ("/webhooks/zendesk", "/webhooks/servicenow"):
        response = client.post(path, content=body, headers=headers)
        assert response.status_code in (400, 401, 413, 422)
