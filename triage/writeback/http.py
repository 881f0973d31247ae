"""HTTP plumbing shared by the Zendesk and ServiceNow clients: failures mapped to job outcomes.

Errors carry the target and status only, never the response body: a remote error message can
quote the ticket text we sent.
"""

from __future__ import annotations

import email.utils
import re
import time
from typing import Any
from urllib.parse import quote

import httpx
from opentelemetry.trace import SpanKind

from triage import metrics, tracing
from triage.jobs.handlers import PermanentError, RetryableError
from triage.redaction import engine as redaction

MAX_RESPONSE_BYTES = 8 * 1024 * 1024


class UpdateConflict(Exception):
    """HTTP 409: someone changed the record since we read it; re-read and try again."""


def url_path(*segments: str) -> str:
    """A request path from segments, each percent-encoded: a stored id can never add a segment,
    climb with '..' or start a query string, whatever the server decodes before routing."""
    if any(segment in ("", ".", "..") for segment in segments):
        raise PermanentError("refusing a URL with an empty or dot path segment")
    return "/" + "/".join(quote(segment, safe="") for segment in segments)


def require_format(value: str, pattern: re.Pattern[str], what: str) -> str:
    """An id read back from the database, checked again before it addresses a remote record
    (rows stored before ids were validated at the webhook)."""
    if not pattern.fullmatch(value):
        raise PermanentError(f"refusing to write back: the stored {what} is not well formed")
    return value


def parse_retry_after(value: str | None) -> float | None:
    """Retry-After is either delta-seconds or an HTTP date (RFC 9110 section 10.2.3)."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def check(response: httpx.Response, target: str, auth_hint: str) -> None:
    code = response.status_code
    if code < 300:
        return
    metrics.WRITEBACKS.labels(target=target, outcome=f"http_{code}").inc()
    if code in (401, 403):
        raise PermanentError(f"{target} refused our credentials (HTTP {code}): check {auth_hint}")
    if code == 404:
        raise PermanentError(f"{target} record not found (HTTP 404)")
    if code == 409:
        raise UpdateConflict()
    if code == 429 or code >= 500:
        retry_after = parse_retry_after(response.headers.get("Retry-After"))
        raise RetryableError(f"{target} answered HTTP {code}", retry_after=retry_after)
    raise PermanentError(f"{target} rejected the request (HTTP {code})")


def send(
    client: httpx.Client,
    method: str,
    url: str,
    *,
    target: str,
    auth_hint: str,
    accept: tuple[int, ...] = (),
    max_bytes: int = MAX_RESPONSE_BYTES,
    **kwargs: Any,
) -> httpx.Response:
    """One request, its body read up to max_bytes; statuses in `accept` come back unraised."""
    attributes = {"http.request.method": method, "triage.target": target}
    with tracing.span(f"{target} {method}", attributes, kind=SpanKind.CLIENT) as span:
        response = _send(client, method, url, target, max_bytes, kwargs)
        span.set_attribute("http.response.status_code", response.status_code)
    if response.status_code not in accept:
        check(response, target, auth_hint)
    return response


def _send(
    client: httpx.Client,
    method: str,
    url: str,
    target: str,
    max_bytes: int,
    kwargs: dict[str, Any],
) -> httpx.Response:
    try:
        response = _bounded(client, method, url, max_bytes, kwargs)
    except httpx.TimeoutException:
        metrics.WRITEBACKS.labels(target=target, outcome="timeout").inc()
        # A write that timed out may still land: retry only once it can no longer be in flight.
        wait = None if method == "GET" else _timeout_of(client)
        raise RetryableError(f"{target} timed out on {method}", retry_after=wait) from None
    except httpx.TransportError as exc:
        metrics.WRITEBACKS.labels(target=target, outcome="network_error").inc()
        raise RetryableError(f"{target} unreachable ({type(exc).__name__})") from None
    return response


def _bounded(
    client: httpx.Client, method: str, url: str, max_bytes: int, kwargs: dict[str, Any]
) -> httpx.Response:
    with client.stream(method, url, **kwargs) as response:
        body = bytearray()
        for chunk in response.iter_bytes():
            body.extend(chunk)
            if len(body) > max_bytes:
                raise PermanentError(f"answer to {method} is larger than {max_bytes} bytes")
    # The body is already decoded: a kept Content-Encoding would have it decoded twice.
    headers = [(k, v) for k, v in response.headers.items() if k.lower() != "content-encoding"]
    return httpx.Response(
        response.status_code, headers=headers, content=bytes(body), request=response.request
    )


def _timeout_of(client: httpx.Client) -> float | None:
    return client.timeout.read


def outgoing(text: str) -> str:
    """Redact once more before anything leaves (promise 1); refuse if a PAN still shows."""
    cleaned = redaction.redact(text).text
    refuse_card(cleaned)
    return cleaned


def refuse_card(text: str) -> None:
    """The guard on its own, for dry runs: nothing is sent, so there is nothing to redact, but
    a dry run should still fail where the real send would refuse."""
    if redaction.contains_pan(text):
        raise PermanentError("refusing to send: a card number survived redaction")
