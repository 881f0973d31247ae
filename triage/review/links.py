"""Links from a ticket's page to the same ticket in Zendesk or ServiceNow."""

from __future__ import annotations

from urllib.parse import quote, urlencode

from triage.config import Settings

SERVICENOW_DEFAULT_TABLE = "incident"


def original_url(
    settings: Settings, source: str, external_id: str, table: str | None = None
) -> str | None:
    """The agent's view of the ticket, or None when that system's base URL is not set."""
    if source == "zendesk" and settings.zendesk_base_url:
        base = settings.zendesk_base_url.rstrip("/")
        return f"{base}/agent/tickets/{quote(external_id, safe='')}"
    if source == "servicenow" and settings.servicenow_base_url:
        base = settings.servicenow_base_url.rstrip("/")
        form = quote(table or SERVICENOW_DEFAULT_TABLE, safe="")
        return f"{base}/{form}.do?{urlencode({'sys_id': external_id})}"
    return None
