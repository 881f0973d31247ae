from __future__ import annotations

import pytest

from triage.errors import TriageError
from triage.webhooks import servicenow, zendesk

EVENT = {
    "id": "cbe4028c-7239-495d-b020-f22348516046",
    "type": "zen:event-type:ticket.created",
    "account_id": 1,
    "detail": {
        "id": 35436,
        "subject": "Payout missing",
        "description": "Our payout did not arrive",
        "requester_id": 99,
        "organization_id": "42",
        "tags": ["vip"],
        "updated_at": "2026-11-24T10:00:00Z",
    },
}


def test_event_subscription_created() -> None:
    event = zendesk.parse(EVENT, b"{}", None)
    assert event.kind == "created"
    assert event.delivery_id == EVENT["id"]
    assert event.external_id == "35436"
    assert event.requester_id == "99" and event.organization_id == "42"
    assert event.tags == ("vip",)


def test_event_subscription_comment_added() -> None:
    data = {
        **EVENT,
        "type": "zen:event-type:ticket.comment_added",
        "event": {
            "comment": {"id": 7, "body": "any news?", "is_public": True, "author": {"id": 5}}
        },
    }
    event = zendesk.parse(data, b"{}", None)
    assert event.kind == "comment"
    assert event.comment == "any news?" and event.comment_id == "7" and event.author_id == "5"


def test_trigger_body_with_space_separated_tags() -> None:
    data = {"event": "ticket.created", "ticket": {"id": "12", "subject": "s", "tags": "a b"}}
    event = zendesk.parse(data, b'{"x": 1}', "inv-1")
    assert event.delivery_id == "inv-1"
    assert event.tags == ("a", "b")


def test_trigger_without_invocation_id_uses_body_hash() -> None:
    data = {"ticket": {"id": 12}}
    first = zendesk.parse(data, b"body-a", None)
    again = zendesk.parse(data, b"body-a", None)
    other = zendesk.parse(data, b"body-b", None)
    assert first.delivery_id == again.delivery_id != other.delivery_id


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        ({**EVENT, "type": "zen:event-type:ticket.priority_changed"}, "unsupported event type"),
        ({"type": "something.else"}, "unsupported event type"),
        ({"event": "ticket.deleted", "ticket": {"id": 1}}, "unsupported trigger event"),
    ],
)
def test_unsupported_events_are_named(data: dict, reason: str) -> None:
    assert (zendesk.unsupported_reason(data) or "").startswith(reason)


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"id": "x", "type": "zen:event-type:ticket.created"}, "detail"),
        ({"ticket": {"subject": "no id"}}, "ticket.id"),
        ({"ticket": {"id": "  "}}, "ticket.id"),
        ({"ticket": {"id": 1, "tags": 5}}, "ticket.tags"),
    ],
)
def test_wrong_shape_names_the_field_without_echoing(data: dict, field: str) -> None:
    with pytest.raises(TriageError) as err:
        zendesk.parse(data, b"{}", None)
    assert err.value.status_code == 422
    assert field in err.value.message


def test_servicenow_payload() -> None:
    data = {
        "sys_id": "a1b2c3" + "0" * 26,
        "number": "INC0010001",
        "table": "incident",
        "short_description": "Webhook 500s",
        "description": "All our webhooks fail",
        "caller": "1" * 32,
        "company": "",
    }
    event = servicenow.parse(data, b"{}", "1700000000")
    assert event.source == "servicenow" and event.kind == "created"
    assert event.external_table == "incident" and event.external_number == "INC0010001"


@pytest.mark.parametrize(
    "data",
    [
        {"number": "INC1"},
        {"sys_id": "a b", "number": "INC1"},
        {"sys_id": "abc", "number": "INC1", "table": "Robert'); DROP"},
    ],
)
def test_servicenow_wrong_shape(data: dict) -> None:
    with pytest.raises(TriageError) as err:
        servicenow.parse(data, b"{}", "1")
    assert err.value.status_code == 422
    assert "DROP" not in err.value.message
