"""Zendesk payloads: event-subscription webhooks and the trigger body documented in the README.

Text fields may be HTML (`{{ticket.latest_comment_html}}`, mail bodies): they become plain text
here, before redaction, with quoted earlier replies kept apart (see html.py).
"""

from __future__ import annotations

import hashlib
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from triage.tickets.models import TicketEvent
from triage.webhooks import html, ids
from triage.webhooks.parsing import validate

INVOCATION_HEADER = "X-Zendesk-Webhook-Invocation-Id"
EVENT_PREFIX = "zen:event-type:"
HANDLED_EVENTS = {"ticket.created": "created", "ticket.comment_added": "comment"}
TRIGGER_EVENTS = {
    "ticket.created": "created",
    "ticket.updated": "comment",
    "comment_added": "comment",
}
MAX_TEXT = 200_000


def _tags(value: Any) -> list[str]:
    # Trigger placeholders render tags as one space-separated string.
    if value is None:
        return []
    if isinstance(value, str):
        return value.split()
    if isinstance(value, list):
        return [str(v) for v in value]
    raise ValueError("tags must be a list or a space-separated string")


class _Loose(BaseModel):
    model_config = ConfigDict(extra="ignore")


class EventDetail(_Loose):
    id: ids.ZendeskTicketId
    subject: str | None = Field(default=None, max_length=MAX_TEXT)
    description: str | None = Field(default=None, max_length=MAX_TEXT)
    requester_id: ids.ZendeskId = None
    organization_id: ids.ZendeskId = None
    tags: list[str] = []
    updated_at: ids.Timestamp = None

    _tags = field_validator("tags", mode="before")(_tags)


class EventAuthor(_Loose):
    id: ids.ZendeskId = None


class EventComment(_Loose):
    id: ids.ZendeskId = None
    body: str = Field(default="", max_length=MAX_TEXT)
    is_public: bool = True
    author: EventAuthor = EventAuthor()


class EventBody(_Loose):
    comment: EventComment | None = None


class EventPayload(_Loose):
    id: ids.DeliveryId
    type: str = Field(max_length=200)
    detail: EventDetail
    event: EventBody = EventBody()


class TriggerTicket(_Loose):
    id: ids.ZendeskTicketId
    subject: str = Field(default="", max_length=MAX_TEXT)
    description: str = Field(default="", max_length=MAX_TEXT)
    latest_comment: str | None = Field(default=None, max_length=MAX_TEXT)
    requester_id: ids.ZendeskId = None
    organization_id: ids.ZendeskId = None
    tags: list[str] = []
    updated_at: ids.Timestamp = None

    _tags = field_validator("tags", mode="before")(_tags)


class TriggerPayload(_Loose):
    event: str = Field(default="ticket.created", max_length=80)
    ticket: TriggerTicket


def event_kind(data: dict[str, Any]) -> str | None:
    """'event' or 'trigger' by shape; None when neither."""
    if isinstance(data.get("type"), str) and data["type"].startswith(EVENT_PREFIX):
        return "event"
    if "ticket" in data:
        return "trigger"
    return None


def unsupported_reason(data: dict[str, Any]) -> str | None:
    kind = event_kind(data)
    if kind == "event":
        name = str(data["type"])[len(EVENT_PREFIX) :]
        return None if name in HANDLED_EVENTS else f"unsupported event type {name[:80]}"
    if kind == "trigger":
        name = data.get("event", "ticket.created")
        supported = isinstance(name, str) and name in TRIGGER_EVENTS
        return None if supported else "unsupported trigger event"
    if "type" in data:
        return "unsupported event type"
    return None


def parse(data: dict[str, Any], body: bytes, invocation_id: str | None) -> TicketEvent:
    if event_kind(data) == "event":
        return _from_event(validate(EventPayload, data))
    payload = validate(TriggerPayload, data)
    invocation = ids.delivery_header(INVOCATION_HEADER, invocation_id)
    delivery = invocation or "sha256:" + hashlib.sha256(body).hexdigest()
    return _from_trigger(payload, delivery)


def _from_event(p: EventPayload) -> TicketEvent:
    kind = HANDLED_EVENTS[p.type[len(EVENT_PREFIX) :]]
    comment = p.event.comment if kind == "comment" else None
    return TicketEvent(
        source="zendesk",
        delivery_id=p.id,
        kind="comment" if kind == "comment" else "created",
        external_id=p.detail.id,
        subject=html.to_text(p.detail.subject or ""),
        body=html.to_text(p.detail.description or ""),
        comment=html.to_text(comment.body) if comment else None,
        comment_id=comment.id if comment else None,
        comment_public=comment.is_public if comment else True,
        author_id=comment.author.id if comment else None,
        requester_id=p.detail.requester_id,
        organization_id=p.detail.organization_id,
        tags=tuple(p.detail.tags),
        updated_at=p.detail.updated_at,
    )


def _from_trigger(p: TriggerPayload, delivery_id: str) -> TicketEvent:
    t = p.ticket
    is_comment = TRIGGER_EVENTS[p.event] == "comment"
    return TicketEvent(
        source="zendesk",
        delivery_id=delivery_id,
        kind="comment" if is_comment else "created",
        external_id=t.id,
        subject=html.to_text(t.subject),
        body=html.to_text(t.description),
        comment=html.to_text(t.latest_comment) if is_comment and t.latest_comment else None,
        requester_id=t.requester_id,
        organization_id=t.organization_id,
        tags=tuple(t.tags),
        updated_at=t.updated_at,
    )
