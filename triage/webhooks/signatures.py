"""Webhook signature checks over the raw body, before anything is parsed.

Zendesk: base64 HMAC-SHA256 of timestamp + body. Zendesk's own test vector only verifies as body +
timestamp, so both orders are accepted. ServiceNow has no built-in signing; ours is
`X-Triage-Signature: v1=<hex HMAC-SHA256 of "{timestamp}.{body}">` with unix-seconds timestamps.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from datetime import datetime

from triage.errors import TriageError


def _hmac(secret: bytes, message: bytes) -> bytes:
    return hmac.new(secret, message, hashlib.sha256).digest()


def zendesk_signatures(secret: bytes, timestamp: str, body: bytes) -> tuple[str, str]:
    """Both candidate signatures: (timestamp + body, body + timestamp)."""
    ts = timestamp.encode()
    return (
        base64.b64encode(_hmac(secret, ts + body)).decode(),
        base64.b64encode(_hmac(secret, body + ts)).decode(),
    )


def zendesk_valid(secrets: list[bytes], timestamp: str, body: bytes, signature: str) -> bool:
    given = signature.strip()
    return any(
        hmac.compare_digest(candidate, given)
        for secret in secrets
        for candidate in zendesk_signatures(secret, timestamp, body)
    )


def servicenow_signature(secret: bytes, timestamp: str, body: bytes) -> str:
    return "v1=" + hmac.new(secret, timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


def servicenow_valid(secrets: list[bytes], timestamp: str, body: bytes, signature: str) -> bool:
    given = signature.strip()
    return any(
        hmac.compare_digest(servicenow_signature(secret, timestamp, body), given)
        for secret in secrets
    )


def parse_zendesk_timestamp(value: str) -> float:
    try:
        return datetime.fromisoformat(value.strip().replace("Z", "+00:00")).timestamp()
    except ValueError:
        raise TriageError("signature timestamp is not an ISO 8601 time", 401) from None


def parse_unix_timestamp(value: str) -> float:
    try:
        return float(int(value.strip()))
    except ValueError:
        raise TriageError("X-Triage-Timestamp is not unix seconds", 401) from None


def check_fresh(timestamp: float, tolerance_seconds: int, now: float | None = None) -> None:
    current = time.time() if now is None else now
    if abs(current - timestamp) > tolerance_seconds:
        raise TriageError("signature timestamp is outside the allowed window", 401)
