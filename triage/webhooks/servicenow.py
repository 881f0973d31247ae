"""ServiceNow payloads, as sent by the business rule in the README."""

from __future__ import annotations

import hashlib
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from triage.tickets.models import TicketEvent
from triage.webhooks.parsing import as_id, validate

MAX_TEXT = 200_000
HANDLED_EVENTS = {"insert": "created", "update": "comment", "comment": "comment"}


class ServiceNowPayload(BaseModel):
    model_config = ConfigDict(extra="ignore")

    sys_id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")
    number: str = Field(min_length=1, max_length=64)
    table: str = Field(default="incident", max_length=80, pattern=r"^[a-z0-9_]+$")
    short_description: str = Field(default="", max_length=MAX_TEXT)
    description: str = Field(default="", max_length=MAX_TEXT)
    event: str = Field(default="insert", max_length=40)
    comment: str | None = Field(default=None, max_length=MAX_TEXT)
    delivery_id: str | None = Field(default=None, max_length=128)
    caller: str | None = Field(default=None, max_length=64)
    company: str | None = Field(default=None, max_length=64)
    assignment_group: str | None = Field(default=None, max_length=120)
    sys_updated_on: str | None = Field(default=None, max_length=64)


def unsupported_reason(data: dict[str, Any]) -> str | None:
    event = data.get("event", "insert")
    return None if isinstance(event, str) and event in HANDLED_EVENTS else "unsupported event type"


def parse(data: dict[str, Any], body: bytes, timestamp: str) -> TicketEvent:
    p = validate(ServiceNowPayload, data)
    # Without an explicit delivery id, a retry of the same signed request has the same body.
    delivery = p.delivery_id or "sha256:" + hashlib.sha256(body).hexdigest()
    kind = HANDLED_EVENTS[p.event]
    return TicketEvent(
        source="servicenow",
        delivery_id=delivery,
        kind="comment" if kind == "comment" else "created",
        external_id=p.sys_id,
        subject=p.short_description,
        body=p.description,
        comment=p.comment if kind == "comment" else None,
        requester_id=as_id(p.caller),
        organization_id=as_id(p.company),
        external_table=p.table,
        external_number=p.number,
        updated_at=p.sys_updated_on,
    )
