"""A fake ServiceNow Table API: records with journal fields kept in sys_journal_field.

PATCH /api/now/table/{table}/{sys_id} sets fields; `work_notes` and `comments` append journal
entries (as on a real instance, reading the record back shows them empty). Journal entries are
queried through /api/now/table/sys_journal_field with an encoded sysparm_query
(`element_id=...^element=...^valueLIKE...`). Auth: basic or an OAuth bearer token.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterator
from typing import Any

import pytest

from tests.fakes import FakeServer, Recorded, Response

USERNAME = "triage.integration"
PASSWORD = "sn-fake-password"
BEARER = "sn-fake-oauth-token"
JOURNAL_FIELDS = ("work_notes", "comments")
RECORD_PATH = re.compile(r"^/api/now/table/([a-z_0-9]+)/([0-9a-f]{32})$")


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


class FakeServiceNow(FakeServer):
    def __init__(self) -> None:
        super().__init__()
        self.records: dict[tuple[str, str], dict[str, Any]] = {}
        self.journal: list[dict[str, Any]] = []
        basic = base64.b64encode(f"{USERNAME}:{PASSWORD}".encode()).decode()
        self._accepted = {f"Basic {basic}", f"Bearer {BEARER}"}

    def add_record(self, table: str, sys_id: str, **fields: Any) -> dict[str, Any]:
        with self.lock:
            record = {"sys_id": sys_id, "work_notes": "", "comments": "", **fields}
            self.records[(table, sys_id)] = record
            return record

    def entries(self, sys_id: str, element: str = "work_notes") -> list[dict[str, Any]]:
        with self.lock:
            return [
                e for e in self.journal if e["element_id"] == sys_id and e["element"] == element
            ]

    def route(self, request: Recorded) -> Response:
        if request.headers.get("authorization") not in self._accepted:
            return 401, {"error": {"message": "User Not Authenticated"}, "status": "failure"}, {}
        if request.routed_path == "/api/now/table/sys_journal_field" and request.method == "GET":
            return self._journal_query(request.query)
        match = RECORD_PATH.match(request.routed_path)
        table, sys_id = match.groups() if match else ("", "")
        record = self.records.get((table, sys_id))
        if record is None:
            return 404, {"error": {"message": "No Record found"}, "status": "failure"}, {}
        if request.method == "GET":
            return 200, {"result": record}, {}
        if request.method == "PATCH":
            return 200, {"result": self._patch(table, record, request.body or {})}, {}
        return 405, {"error": {"message": "Method not allowed"}}, {}

    def _journal_query(self, query: dict[str, str]) -> Response:
        found = [e for e in self.journal if _matches(e, query.get("sysparm_query", ""))]
        limit = int(query.get("sysparm_limit", len(found) or 1))
        return 200, {"result": found[:limit]}, {}

    def _patch(self, table: str, record: dict[str, Any], fields: dict[str, Any]) -> dict[str, Any]:
        for name, value in fields.items():
            if name in JOURNAL_FIELDS:
                self.journal.append(
                    {
                        "sys_id": f"j{len(self.journal) + 1:031d}",
                        "name": table,
                        "element_id": record["sys_id"],
                        "element": name,
                        "value": value,
                    }
                )
            else:
                record[name] = value
        return record


@pytest.fixture
def fake_servicenow() -> Iterator[FakeServiceNow]:
    fake = FakeServiceNow()
    fake.start()
    yield fake
    fake.stop()
