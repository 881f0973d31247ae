"""Build signed webhook requests the way Zendesk and our ServiceNow business rule do."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from typing import Any

from triage.webhooks import signatures

ZENDESK_SECRET = b"zd-test-secret"
SERVICENOW_SECRET = b"sn-test-secret"


def zendesk_headers(body: bytes, secret: bytes = ZENDESK_SECRET, ts: str | None = None) -> dict:
    stamp = ts or datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return {
        "Content-Type": "application/json",
        "X-Zendesk-Webhook-Signature": signatures.zendesk_signatures(secret, stamp, body)[1],
        "X-Zendesk-Webhook-Signature-Timestamp": stamp,
    }


def servicenow_headers(
    body: bytes, secret: bytes = SERVICENOW_SECRET, ts: int | None = None
) -> dict:
    stamp = str(ts if ts is not None else int(time.time()))
    return {
        "Content-Type": "application/json",
        "X-Triage-Timestamp": stamp,
        "X-Triage-Signature": signatures.servicenow_signature(secret, stamp, body),
    }


def zendesk_event(
    ticket_id: int | str,
    subject: str,
    description: str,
    delivery_id: str | None = None,
    event: str = "ticket.created",
    comment: str | None = None,
) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "id": delivery_id or f"delivery-{ticket_id}-{event}",
        "type": f"zen:event-type:{event}",
        "detail": {
            "id": ticket_id,
            "subject": subject,
            "description": description,
            "requester_id": 1001,
            "organization_id": 2002,
            "tags": ["merchant"],
            "updated_at": "2026-11-24T10:00:00Z",
        },
    }
    if comment is not None:
        payload["event"] = {"comment": {"id": 9, "body": comment, "is_public": True}}
    return payload


def servicenow_record(sys_id: str, short: str, description: str, **extra: Any) -> dict[str, Any]:
    return {
        "sys_id": sys_id,
        "number": f"INC{int(sys_id, 16) % 10**7:07d}",
        "table": "incident",
        "short_description": short,
        "description": description,
        **extra,
    }


def dumps(payload: Any) -> bytes:
    return json.dumps(payload).encode()
