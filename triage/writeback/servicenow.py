"""ServiceNow write-back over the Table API.

PATCH /api/now/table/{table}/{sys_id} sets category and assignment_group and adds a journal
entry: `work_notes` for our internal note (never `comments`, which the caller sees), `comments`
only for an analyst-approved public reply. Right before writing we look for the marker, so a
retried job never writes twice. Where we look (TRIAGE_SERVICENOW_DEDUPE):

- `record_journal` (default): the record's own journal, read through the Table API as its
  display value (every entry, newest first, under a "date - author (Work notes)" header). Needs
  only read access to the record, which write-back needs anyway.
- `journal_table`: sys_journal_field, one small answer per check. Many instances deny that table
  to integration users (403) or do not expose it (404): then the record journal is read instead.
  Where its rows are filtered by ACL, a note can be invisible there: use `record_journal`.

Auth: basic (username/password) or an OAuth bearer token.
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

TARGET = "servicenow"
AUTH_HINT = "TRIAGE_SERVICENOW_USERNAME/PASSWORD or TRIAGE_SERVICENOW_BEARER_TOKEN"
CONFLICT_ATTEMPTS = 3
SYS_ID = re.compile(r"[0-9A-Za-z]{1,64}")
TABLE = re.compile(r"[a-z0-9_]{1,80}")
RECORD_JOURNAL, JOURNAL_TABLE = "record_journal", "journal_table"
# A journal can hold years of notes; past this the answer is refused rather than held in memory.
MAX_JOURNAL_BYTES = 16 * 1024 * 1024


def has_marker(journal: str, marker: str) -> bool:
    """The marker as written, not as the start of a longer one ("-12" is not "-1")."""
    return re.search(re.escape(marker) + r"(?![0-9])", journal) is not None


@dataclass(frozen=True)
class ServiceNowConfig:
    base_url: str
    timeout: float
    username: str | None = None
    password: str | None = None
    bearer_token: str | None = None
    dedupe: str = RECORD_JOURNAL

    @classmethod
    def from_settings(cls, settings: Settings) -> ServiceNowConfig | None:
        """None when write-back to ServiceNow is not configured (dry run)."""
        if not settings.servicenow_base_url:
            return None
        token = settings.servicenow_bearer_token
        password = settings.servicenow_password
        if token is None and not (settings.servicenow_username and password):
            return None
        return cls(
            base_url=settings.servicenow_base_url.rstrip("/"),
            timeout=settings.writeback_timeout_seconds,
            username=settings.servicenow_username,
            password=password.get_secret_value() if password else None,
            bearer_token=token.get_secret_value() if token else None,
            dedupe=settings.servicenow_dedupe,
        )


@dataclass(frozen=True)
class RecordUpdate:
    marker: str
    journal_field: str  # "work_notes" for internal notes, "comments" for public replies
    text: str
    fields: dict[str, str]


class ServiceNowClient:
    def __init__(self, config: ServiceNowConfig) -> None:
        self.dedupe = config.dedupe
        headers = {"Accept": "application/json"}
        auth: tuple[str, str] | None = None
        if config.bearer_token:
            headers["Authorization"] = f"Bearer {config.bearer_token}"
        else:
            auth = (config.username or "", config.password or "")
        self.http = httpx.Client(
            base_url=config.base_url, auth=auth, headers=headers, timeout=config.timeout
        )

    def _send(self, method: str, url: str, **kwargs: Any) -> dict[str, Any]:
        response = send(self.http, method, url, target=TARGET, auth_hint=AUTH_HINT, **kwargs)
        return dict(response.json())

    def has_journal_entry(self, table: str, sys_id: str, field: str, marker: str) -> bool:
        if self.dedupe == JOURNAL_TABLE:
            found = self._journal_table_has(sys_id, field, marker)
            if found is not None:
                return found
        return self._record_journal_has(table, sys_id, field, marker)

    def _record_journal_has(self, table: str, sys_id: str, field: str, marker: str) -> bool:
        params = {
            "sysparm_fields": field,
            "sysparm_display_value": "true",
            "sysparm_exclude_reference_link": "true",
        }
        url = _record_url(table, sys_id)
        result = self._send("GET", url, params=params, max_bytes=MAX_JOURNAL_BYTES).get("result")
        value = result.get(field) if isinstance(result, dict) else None
        if isinstance(value, dict):  # sysparm_display_value=all shape, should an instance force it
            value = value.get("display_value")
        return has_marker(str(value or ""), marker)

    def _journal_table_has(self, sys_id: str, field: str, marker: str) -> bool | None:
        """True/False from sys_journal_field; None when this user cannot read that table."""
        # '^' separates encoded-query clauses: the id is checked so it can only name a record.
        checked = require_format(sys_id, SYS_ID, "ServiceNow sys_id")
        query = f"element_id={checked}^element={field}^valueLIKE{marker}"
        params = {"sysparm_query": query, "sysparm_fields": "value", "sysparm_limit": "10"}
        url = url_path("api", "now", "table", "sys_journal_field")
        denied = (403, 404)
        response = send(
            self.http, "GET", url, target=TARGET, auth_hint=AUTH_HINT, accept=denied, params=params
        )
        if response.status_code in denied:
            return None
        rows = response.json().get("result") or []
        return any(has_marker(str(row.get("value", "")), marker) for row in rows)

    def patch(self, table: str, sys_id: str, fields: dict[str, str]) -> dict[str, Any]:
        # Display values let routing.yaml name the assignment group rather than its sys_id.
        params = {"sysparm_input_display_value": "true", "sysparm_fields": "sys_id,sys_updated_on"}
        url = _record_url(table, sys_id)
        return dict(self._send("PATCH", url, params=params, json=fields).get("result") or {})


def _record_url(table: str, sys_id: str) -> str:
    """/api/now/table/{table}/{sys_id}, with both checked and percent-encoded."""
    return url_path(
        "api",
        "now",
        "table",
        require_format(table, TABLE, "ServiceNow table"),
        require_format(sys_id, SYS_ID, "ServiceNow sys_id"),
    )


def apply_update(
    client: ServiceNowClient, table: str, sys_id: str, update: RecordUpdate
) -> dict[str, Any]:
    text = outgoing(update.text)
    for attempt in range(1, CONFLICT_ATTEMPTS + 1):
        if client.has_journal_entry(table, sys_id, update.journal_field, update.marker):
            return {"target": TARGET, "skipped": "already_written", "marker": update.marker}
        # Between the marker check and the write: a worker that lost its lease writes nothing.
        lease.check()
        try:
            client.patch(table, sys_id, {**update.fields, update.journal_field: text})
        except UpdateConflict:
            continue
        return {
            "target": TARGET,
            "written": True,
            "marker": update.marker,
            "conflicts": attempt - 1,
        }
    raise RetryableError(f"{TARGET} record changed during each of {CONFLICT_ATTEMPTS} attempts")


def write(settings: Settings, table: str, sys_id: str, update: RecordUpdate) -> dict[str, Any]:
    """Apply the update, or record a dry run when ServiceNow write-back is not configured."""
    config = ServiceNowConfig.from_settings(settings)
    if config is None:
        refuse_card(update.text)
        return {
            "target": TARGET,
            "dry_run": True,
            "marker": update.marker,
            "journal_field": update.journal_field,
            "fields": update.fields,
        }
    return apply_update(client_for(config), table, sys_id, update)


@lru_cache(maxsize=8)
def client_for(config: ServiceNowConfig) -> ServiceNowClient:
    """One pooled, thread-safe client per configuration: building one costs an SSL context."""
    return ServiceNowClient(config)
