"""A fake Zendesk Support API: tickets with tags, group, custom fields and comments.

Implements what write-back uses, with Zendesk's semantics: `additional_tags` adds to the tags
(`tags` replaces them), `safe_update` + `updated_stamp` answers 409 when the ticket changed since
that stamp, and the API token authenticates as basic auth `{email}/token:{api_token}`.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.fakes import FakeServer, Recorded, Response

EMAIL = "triage-bot@merchant-support.example"
API_TOKEN = "zd-fake-token-0123456789"
TICKET_PATH = re.compile(r"^/api/v2/tickets/(\d+)(/comments)?\.json$")
EPOCH = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


class FakeZendesk(FakeServer):
    def __init__(self, email: str = EMAIL, api_token: str = API_TOKEN) -> None:
        super().__init__()
        self.tickets: dict[int, dict[str, Any]] = {}
        self.comments: dict[int, list[dict[str, Any]]] = {}
        self.autocreate = True
        self._clock = 0
        expected = base64.b64encode(f"{email}/token:{api_token}".encode()).decode()
        self._auth = f"Basic {expected}"
        self.email = email

    def _stamp(self) -> str:
        self._clock += 1
        return (EPOCH + timedelta(seconds=self._clock)).strftime("%Y-%m-%dT%H:%M:%SZ")

    def add_ticket(self, ticket_id: int, tags: list[str] | None = None) -> dict[str, Any]:
        with self.lock:
            ticket = {
                "id": ticket_id,
                "tags": list(tags or []),
                "group_id": None,
                "custom_fields": [],
                "updated_at": self._stamp(),
            }
            self.tickets[ticket_id] = ticket
            self.comments[ticket_id] = []
            return ticket

    def agent_edit(self, ticket_id: int) -> None:
        """Someone edits the ticket in Zendesk: its updated_at moves on."""
        with self.lock:
            self.tickets[ticket_id]["updated_at"] = self._stamp()

    def notes(self, ticket_id: int, public: bool = False) -> list[dict[str, Any]]:
        with self.lock:
            return [c for c in self.comments.get(ticket_id, []) if c["public"] is public]

    def route(self, request: Recorded) -> Response:
        if request.headers.get("authorization") != self._auth:
            return 401, {"error": "Couldn't authenticate you"}, {}
        if request.routed_path == "/api/v2/users/me.json":  # the credentials' own user, as Zendesk
            return 200, {"user": {"id": 1, "email": self.email, "role": "admin"}}, {}
        match = TICKET_PATH.match(request.routed_path)
        if match is None:
            return 404, {"error": "InvalidEndpoint"}, {}
        ticket_id = int(match.group(1))
        if ticket_id not in self.tickets:
            if not self.autocreate:
                return 404, {"error": "RecordNotFound"}, {}
            self.add_ticket(ticket_id)
        if match.group(2):
            return 200, {"comments": self.comments[ticket_id]}, {}
        if request.method == "GET":
            return 200, {"ticket": self.tickets[ticket_id]}, {}
        if request.method == "PUT":
            return self._update(ticket_id, (request.body or {}).get("ticket") or {})
        return 405, {"error": "MethodNotAllowed"}, {}

    def _update(self, ticket_id: int, changes: dict[str, Any]) -> Response:
        ticket = self.tickets[ticket_id]
        stamp = changes.get("updated_stamp")
        if changes.get("safe_update") and stamp != ticket["updated_at"]:
            return 409, {"error": "UpdateConflict", "description": "Safe Update prevented"}, {}
        if "tags" in changes:
            ticket["tags"] = list(changes["tags"])
        for tag in changes.get("additional_tags") or []:
            if tag not in ticket["tags"]:
                ticket["tags"].append(tag)
        if "group_id" in changes:
            ticket["group_id"] = changes["group_id"]
        for field in changes.get("custom_fields") or []:
            others = [f for f in ticket["custom_fields"] if f["id"] != field["id"]]
            ticket["custom_fields"] = [*others, field]
        events: list[dict[str, Any]] = []
        if changes.get("comment"):
            events.append(self._add_comment(ticket_id, changes["comment"]))
        ticket["updated_at"] = self._stamp()
        return 200, {"ticket": ticket, "audit": {"ticket_id": ticket_id, "events": events}}, {}

    def _add_comment(self, ticket_id: int, comment: dict[str, Any]) -> dict[str, Any]:
        entry = {
            "id": 9_000_000 + sum(len(c) for c in self.comments.values()) + 1,
            "type": "Comment",
            "body": comment.get("body", ""),
            "public": bool(comment.get("public", True)),
        }
        self.comments[ticket_id].append(entry)
        return entry


@pytest.fixture
def fake_zendesk() -> Iterator[FakeZendesk]:
    fake = FakeZendesk()
    fake.start()
    yield fake
    fake.stop()
