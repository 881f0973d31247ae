"""A fake ServiceNow Table API, as strict as an instance seen by a non-admin integration user.

- PATCH /api/now/table/{table}/{sys_id} sets fields; `work_notes` and `comments` append journal
  entries (rows of sys_journal_field). Reading the record shows journal fields empty, except with
  sysparm_display_value=true, where ServiceNow renders every entry, newest first, each under a
  "yyyy-mm-dd hh:mm:ss - Author (Work notes)" header and separated by a blank line.
- sysparm_fields limits what a record answer carries, on GET and PATCH alike.
- sys_journal_field answers as its ACL says (`journal_acl`): "readable", "denied" (403),
  "absent" (404) or "filtered" (200, rows written by other users only: the ACL hides ours).
- `throttle(limit, window)`: past `limit` requests per window, 429 with Retry-After.
Auth: basic or an OAuth bearer token, both the integration user.
"""

from __future__ import annotations

import base64
import math
import re
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.fakes import FakeServer, Recorded, Response

USERNAME = "triage.integration"
USER_DISPLAY = "Triage Integration"
PASSWORD = "sn-fake-password"
BEARER = "sn-fake-oauth-token"
JOURNAL_FIELDS = {"work_notes": "Work notes", "comments": "Additional comments"}
RECORD_PATH = re.compile(r"^/api/now/table/([a-z_0-9]+)/([0-9a-f]{32})$")
JOURNAL_PATH = "/api/now/table/sys_journal_field"
ACL_MODES = ("readable", "denied", "absent", "filtered")
EPOCH = datetime(2026, 12, 5, 9, 0, tzinfo=UTC)


def _failure(message: str, detail: str = "") -> dict[str, Any]:
    return {"error": {"message": message, "detail": detail}, "status": "failure"}


def _matches(entry: dict[str, Any], query: str) -> bool:
    for term in filter(None, query.split("^")):
        if "LIKE" in term:
            name, _, needle = term.partition("LIKE")
            if needle not in str(entry.get(name, "")):
                return False
        else:
            name, _, value = term.partition("=")
            if str(entry.get(name, "")) != value:
                return False
    return True


def _only(record: dict[str, Any], fields: str | None) -> dict[str, Any]:
    if not fields:
        return dict(record)
    names = [f.strip() for f in fields.split(",") if f.strip()]
    return {name: record.get(name, "") for name in names}


class FakeServiceNow(FakeServer):
    def __init__(self, journal_acl: str = "readable") -> None:
        super().__init__()
        assert journal_acl in ACL_MODES
        self.journal_acl = journal_acl
        self.records: dict[tuple[str, str], dict[str, Any]] = {}
        self.journal: list[dict[str, Any]] = []
        self._clock = 0
        self._throttle: tuple[int, float] | None = None
        self._window: tuple[float, int] = (0.0, 0)
        basic = base64.b64encode(f"{USERNAME}:{PASSWORD}".encode()).decode()
        self._accepted = {f"Basic {basic}", f"Bearer {BEARER}"}

    # Scripting ------------------------------------------------------------------------------
    def add_record(self, table: str, sys_id: str, **fields: Any) -> dict[str, Any]:
        with self.lock:
            record = {"sys_id": sys_id, "work_notes": "", "comments": "", **fields}
            self.records[(table, sys_id)] = record
            return record

    def add_note(self, table: str, sys_id: str, text: str, author: str = "abel.tuter") -> None:
        """Someone else's journal entry, as an agent types it in the form."""
        with self.lock:
            self._journal(table, sys_id, "work_notes", text, author)

    def throttle(self, limit: int, window: float) -> None:
        with self.lock:
            self._throttle = (limit, window)
            self._window = (time.monotonic(), 0)

    # Inspection -----------------------------------------------------------------------------
    def entries(self, sys_id: str, element: str = "work_notes") -> list[dict[str, Any]]:
        with self.lock:
            return [
                e
                for e in self.journal
                if e["element_id"] == sys_id
                and e["element"] == element
                and e["sys_created_by"] == USERNAME
            ]

    def rendered(self, sys_id: str, element: str) -> str:
        """The field's display value: every entry, newest first, as the form shows them."""
        label = JOURNAL_FIELDS[element]
        entries = [e for e in self.journal if e["element_id"] == sys_id and e["element"] == element]
        return "".join(
            f"{e['sys_created_on']} - {e['author_display']} ({label})\n{e['value']}\n\n"
            for e in reversed(entries)
        )

    # Serving --------------------------------------------------------------------------------
    def route(self, request: Recorded) -> Response:
        if request.headers.get("authorization") not in self._accepted:
            failure = _failure("User Not Authenticated", "Required to provide Auth information")
            return 401, failure, {}
        limited = self._rate_limited()
        if limited is not None:
            return limited
        if request.routed_path == JOURNAL_PATH and request.method == "GET":
            return self._journal_query(request.query)
        match = RECORD_PATH.match(request.routed_path)
        table, sys_id = match.groups() if match else ("", "")
        record = self.records.get((table, sys_id))
        if record is None:
            return 404, _failure("No Record found", "Record doesn't exist or ACL restricts it"), {}
        if request.method == "GET":
            return 200, {"result": self._read(record, request.query)}, {}
        if request.method == "PATCH":
            self._patch(table, record, request.body or {})
            return 200, {"result": self._read(record, request.query)}, {}
        return 405, _failure("Method not Supported"), {}

    def _rate_limited(self) -> Response | None:
        if self._throttle is None:
            return None
        limit, window = self._throttle
        started, count = self._window
        now = time.monotonic()
        if now - started >= window:
            started, count = now, 0
        self._window = (started, count + 1)
        if count < limit:
            return None
        wait = max(1, math.ceil(started + window - now))
        headers = {"Retry-After": str(wait), "X-RateLimit-Limit": str(limit)}
        return 429, _failure("Rate limit exceeded", "Too many requests"), headers

    def _read(self, record: dict[str, Any], query: dict[str, str]) -> dict[str, Any]:
        shown = dict(record)
        display = query.get("sysparm_display_value", "false").lower() == "true"
        for element in JOURNAL_FIELDS:
            shown[element] = self.rendered(record["sys_id"], element) if display else ""
        return _only(shown, query.get("sysparm_fields"))

    def _journal_query(self, query: dict[str, str]) -> Response:
        if self.journal_acl == "denied":
            return 403, _failure("User Not Authorized", "ACL restricts the table"), {}
        if self.journal_acl == "absent":
            return 404, _failure("No Record found", "Table sys_journal_field not found"), {}
        rows = [e for e in self.journal if _matches(e, query.get("sysparm_query", ""))]
        if self.journal_acl == "filtered":
            rows = [e for e in rows if e["sys_created_by"] != USERNAME]
        limit = int(query.get("sysparm_limit", len(rows) or 1))
        return 200, {"result": [_only(e, query.get("sysparm_fields")) for e in rows[:limit]]}, {}

    def _journal(self, table: str, sys_id: str, element: str, value: str, author: str) -> None:
        self._clock += 1
        created = EPOCH + timedelta(seconds=self._clock)
        display = USER_DISPLAY if author == USERNAME else author.replace(".", " ").title()
        self.journal.append(
            {
                "sys_id": f"{len(self.journal) + 1:032x}",
                "name": table,
                "element_id": sys_id,
                "element": element,
                "value": value,
                "sys_created_on": created.strftime("%Y-%m-%d %H:%M:%S"),
                "sys_created_by": author,
                "author_display": display,
            }
        )

    def _patch(self, table: str, record: dict[str, Any], fields: dict[str, Any]) -> None:
        for name, value in fields.items():
            if name in JOURNAL_FIELDS:
                if str(value).strip():  # an empty journal value adds no entry
                    self._journal(table, record["sys_id"], name, str(value), USERNAME)
            else:
                record[name] = value


@pytest.fixture
def fake_servicenow() -> Iterator[FakeServiceNow]:
    fake = FakeServiceNow()
    fake.start()
    yield fake
    fake.stop()
