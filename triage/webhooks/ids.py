"""The shapes of identifiers both sources send, checked before anything is stored.

Ticket and delivery ids are kept exactly as sent (a ticket id addresses the write-back, a
delivery id recognises a redelivery), so they must match their source's format and hold no
card number; anything else is a 422 naming the field. Display ids (requester, organization,
author, caller, company) are checked by format here and redacted with the text in
`flows.redact`. Every limit fits its column on PostgreSQL, so both databases give the same 422.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import BeforeValidator

from triage.errors import TriageError
from triage.redaction import contains_pan

# Zendesk ticket ids count up from 1 per account; twelve digits is far beyond any account and
# keeps a ticket id from ever being card-length (13 to 19 digits).
ZENDESK_TICKET = re.compile(r"[1-9][0-9]{0,11}")
ZENDESK_ID = re.compile(r"[0-9]{1,19}")  # users, organizations, comments: 64-bit integers
SYS_ID = re.compile(r"[0-9a-fA-F]{32}")
NUMBER = re.compile(r"[A-Z]{2,8}[0-9]{4,10}")  # INC0012345, CS0001234, RITM0010001
DELIVERY = re.compile(r"[A-Za-z0-9._:-]{1,128}")
# Both sources' renderings of a time ("2026-11-24T10:00:00Z", "2026-11-24 10:00:00",
# "November 24, 2026 10:00"); at most the column's 40 characters.
TIMESTAMP = re.compile(r"[0-9A-Za-z :.,+/-]{1,40}")
REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")


def _text(value: Any) -> str | None:
    """An id as JSON gives it: a string or an integer (never a bool, float or object)."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise ValueError("must be a string or an integer")
    text = str(value).strip()
    return text or None


def _exact(pattern: re.Pattern[str], what: str) -> BeforeValidator:
    def check(value: Any) -> str:
        text = _text(value)
        if text is None or not pattern.fullmatch(text) or contains_pan(text):
            raise ValueError(f"not a valid {what}")
        return text

    return BeforeValidator(check)


def _optional(pattern: re.Pattern[str], what: str, *, no_card: bool = False) -> BeforeValidator:
    """Optional fields: absent, null or empty (a trigger placeholder with no value) is None.

    Display ids are redacted later like any text; `no_card` is for values stored as sent."""

    def check(value: Any) -> str | None:
        text = _text(value)
        if text is not None and (not pattern.fullmatch(text) or (no_card and contains_pan(text))):
            raise ValueError(f"not a valid {what}")
        return text

    return BeforeValidator(check)


ZendeskTicketId = Annotated[str, _exact(ZENDESK_TICKET, "Zendesk ticket id")]
ZendeskId = Annotated[str | None, _optional(ZENDESK_ID, "Zendesk id")]
SysId = Annotated[str, _exact(SYS_ID, "ServiceNow sys_id")]
OptionalSysId = Annotated[str | None, _optional(SYS_ID, "ServiceNow sys_id")]
RecordNumber = Annotated[str, _exact(NUMBER, "ServiceNow record number")]
DeliveryId = Annotated[str, _exact(DELIVERY, "delivery id")]
OptionalDeliveryId = Annotated[str | None, _optional(DELIVERY, "delivery id", no_card=True)]
Timestamp = Annotated[str | None, _optional(TIMESTAMP, "timestamp", no_card=True)]


def delivery_header(name: str, value: str | None) -> str | None:
    """A delivery id from a header (Zendesk's invocation id): None when absent, else exact."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    if not DELIVERY.fullmatch(text) or contains_pan(text):
        raise TriageError(f"invalid {name} header", 422)
    return text


def request_id(value: str | None) -> str | None:
    """A caller's X-Request-ID if it is a short token; None means generate one."""
    if value and REQUEST_ID.fullmatch(value) and not contains_pan(value):
        return value
    return None
