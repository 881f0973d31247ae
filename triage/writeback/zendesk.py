"""Zendesk write-back: tags, group, category field and an internal note, never clobbering edits.

PUT /api/v2/tickets/{id}.json with `additional_tags` (adds, never replaces the ticket's tags) and
`safe_update` + `updated_stamp` (Zendesk answers 409 if the ticket changed since our read; we
re-read and try again). Auth: API token as basic auth, user `{email}/token`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import httpx

from triage.config import Settings
from triage.jobs import lease
from triage.jobs.handlers import RetryableError
from triage.writeback.http import (
    UpdateConflict,
    outgoing,
    refuse_card,
    require_format,
    send,
    url_path,
)

TARGET = "zendesk"
AUTH_HINT = "TRIAGE_ZENDESK_EMAIL and TRIAGE_ZENDESK_API_TOKEN"
CONFLICT_ATTEMPTS = 3
TICKET_ID = re.compile(r"[0-9]{1,19}")


@dataclass(frozen=True)
class ZendeskConfig:
    base_url: str
    email: str
    api_token: str
    timeout: float
    category_field_id: int | None

    @classmethod
    def from_settings(cls, settings: Settings) -> ZendeskConfig | None:
        """None when write-back to Zendesk is not configured (dry run)."""
        if not (
            settings.zendesk_base_url and settings.zendesk_email and settings.zendesk_api_token
        ):
            return None
        return cls(
            base_url=settings.zendesk_base_url.rstrip("/"),
            email=settings.zendesk_email,
            api_token=settings.zendesk_api_token.get_secret_value(),
            timeout=settings.writeback_timeout_seconds,
            category_field_id=settings.zendesk_category_field_id,
        )


@dataclass(frozen=True)
class TicketUpdate:
    """What one write-back adds to a ticket; marker_tag proves afterwards that it landed."""

    marker_tag: str
    comment: str
    public: bool
    tags: tuple[str, ...] = ()
    group_id: int | None = None
    category: str | None = None


class ZendeskClient:
    def __init__(self, config: ZendeskConfig) -> None:
        self.config = config
        self.http = httpx.Client(
            base_url=config.base_url,
            auth=(f"{config.email}/token", config.api_token),
            timeout=config.timeout,
            headers={"Accept": "application/json"},
        )

    def _send(self, method: str, url: str, **kwargs: Any) -> dict[str, Any]:
        response = send(self.http, method, url, target=TARGET, auth_hint=AUTH_HINT, **kwargs)
        return dict(response.json())

    def get_ticket(self, ticket_id: str) -> dict[str, Any]:
        return dict(self._send("GET", _ticket_url(ticket_id))["ticket"])

    def update_ticket(self, ticket_id: str, ticket: dict[str, Any]) -> dict[str, Any]:
        return self._send("PUT", _ticket_url(ticket_id), json={"ticket": ticket})


def _ticket_url(ticket_id: str) -> str:
    checked = require_format(ticket_id, TICKET_ID, "Zendesk ticket id")
    return url_path("api", "v2", "tickets", f"{checked}.json")


def _body(update: TicketUpdate, config: ZendeskConfig, current: dict[str, Any]) -> dict[str, Any]:
    body: dict[str, Any] = {
        "additional_tags": [*update.tags, update.marker_tag],
        "comment": {"body": outgoing(update.comment), "public": update.public},
        "safe_update": True,
        "updated_stamp": current["updated_at"],
    }
    if update.group_id is not None:
        body["group_id"] = update.group_id
    if update.category and config.category_field_id is not None:
        body["custom_fields"] = [{"id": config.category_field_id, "value": update.category}]
    return body


def _comment_id(response: dict[str, Any]) -> str | None:
    events = (response.get("audit") or {}).get("events") or []
    ids = [e.get("id") for e in events if e.get("type") == "Comment"]
    return str(ids[0]) if ids and ids[0] is not None else None


def apply_update(client: ZendeskClient, ticket_id: str, update: TicketUpdate) -> dict[str, Any]:
    """Write once: skip when the marker tag is already there (an earlier attempt landed)."""
    for attempt in range(1, CONFLICT_ATTEMPTS + 1):
        current = client.get_ticket(ticket_id)
        if update.marker_tag in (current.get("tags") or []):
            return {"target": TARGET, "skipped": "already_written", "marker": update.marker_tag}
        body = _body(update, client.config, current)
        # Between the marker check and the write: a worker that lost its lease writes nothing.
        lease.check()
        try:
            response = client.update_ticket(ticket_id, body)
        except UpdateConflict:
            continue
        return {
            "target": TARGET,
            "written": True,
            "marker": update.marker_tag,
            "conflicts": attempt - 1,
            "comment_id": _comment_id(response),
        }
    raise RetryableError(f"{TARGET} ticket changed under us {CONFLICT_ATTEMPTS} times (409)")


def write(settings: Settings, ticket_id: str, update: TicketUpdate) -> dict[str, Any]:
    """Apply the update, or record a dry run when Zendesk write-back is not configured."""
    config = ZendeskConfig.from_settings(settings)
    if config is None:
        refuse_card(update.comment)
        return {
            "target": TARGET,
            "dry_run": True,
            "marker": update.marker_tag,
            "tags": [*update.tags, update.marker_tag],
            "group_id": update.group_id,
            "public": update.public,
        }
    return apply_update(client_for(config), ticket_id, update)


@lru_cache(maxsize=8)
def client_for(config: ZendeskConfig) -> ZendeskClient:
    """One pooled, thread-safe client per configuration: building one costs an SSL context."""
    return ZendeskClient(config)
