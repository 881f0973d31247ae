"""The incidents' durable tasks: detect (off the webhook path), note (each linked ticket's internal
note and tag), notify (the signed outgoing webhook when an incident opens or resolves)."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import Any

import httpx
from sqlmodel import Session

from triage.config import Settings, get_settings
from triage.db.engine import utcnow
from triage.incidents import service
from triage.incidents.models import Incident
from triage.jobs.handlers import PermanentError, handler, periodic
from triage.jobs.models import Job, TaskKind
from triage.tickets.models import Ticket
from triage.writeback import http, servicenow, zendesk
from triage.writeback import tasks as writeback

SIGNATURE_HEADER = "X-Triage-Signature"
TIMESTAMP_HEADER = "X-Triage-Timestamp"


@periodic(TaskKind.INCIDENTS_DETECT)
def schedule(session: Session) -> int:
    """The worker's pass: a detect job for each category with recent arrivals."""
    return service.queue_detects(session, utcnow(), get_settings().job_periodic_seconds)


@handler(TaskKind.INCIDENTS_DETECT)
def detect(session: Session, job: Job) -> dict[str, Any]:
    category = job.payload.get("category")
    if not isinstance(category, str):
        raise PermanentError("detect job without a category")
    return service.detect(session, category, utcnow(), get_settings())


def incident_tag(incident_id: int) -> str:
    return f"triage_incident_{incident_id}"


def incident_marker(incident_id: int) -> str:
    return f"[triage-incident:{incident_id}]"


def incident_note(incident: Incident) -> str:
    assert incident.id is not None
    return "\n".join(
        [
            f"{incident_marker(incident.id)} Part of incident #{incident.id}: {incident.title}",
            f"Category: {incident.category}; team {incident.team or '-'}",
            f"Opened {incident.opened_at:%Y-%m-%d %H:%M} UTC: {incident.observed} tickets in the"
            f" window where about {incident.expected:.1f} were expected.",
            "Answer it once for every ticket from the Incidents page in triage.",
        ]
    )


def _write_note(ticket: Ticket, incident: Incident, settings: Settings) -> dict[str, Any]:
    assert incident.id is not None
    note = incident_note(incident)
    # In Zendesk the tag is the marker too: present means this note already landed.
    update = zendesk.TicketUpdate(marker_tag=incident_tag(incident.id), comment=note, public=False)
    field = settings.incident_servicenow_field
    fields = {field: incident_tag(incident.id)} if field else {}
    record = servicenow.RecordUpdate(incident_marker(incident.id), "work_notes", note, fields)
    return writeback.write_to(settings, ticket, update, record)


@handler(TaskKind.INCIDENTS_NOTE)
def note(session: Session, job: Job) -> dict[str, Any]:
    incident = session.get(Incident, job.payload.get("incident_id"))
    if incident is None:
        raise PermanentError(f"incident {job.payload.get('incident_id')} no longer exists")
    ticket = writeback.ticket_of(session, job.payload.get("ticket_id"))
    result = writeback.counted(_write_note(ticket, incident, get_settings()))
    return result | {"incident_id": incident.id}


def slack_message(incident: Incident, event: str) -> dict[str, Any]:
    """Slack-compatible (incoming webhook) JSON: `text`, plus blocks for richer clients."""
    headline = f"Incident #{incident.id} {event}: {incident.title}"
    detail = (
        f"Category {incident.category}, team {incident.team or '-'}; "
        f"{incident.observed} tickets in the window where {incident.expected:.1f} were expected."
    )
    return {
        "text": f"{headline}\n{detail}",
        "blocks": [
            {"type": "section", "text": {"type": "mrkdwn", "text": f"*{headline}*"}},
            {"type": "section", "text": {"type": "mrkdwn", "text": detail}},
        ],
    }


def signature(secret: bytes, timestamp: str, body: bytes) -> str:
    """`v1=` + hex HMAC-SHA256 of "<timestamp>.<raw body>": the scheme triage's own ServiceNow
    webhook uses, so one verifier serves both directions."""
    digest = hmac.new(secret, timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"v1={digest}"


@handler(TaskKind.INCIDENTS_NOTIFY)
def notify(session: Session, job: Job) -> dict[str, Any]:
    settings = get_settings()
    incident = session.get(Incident, job.payload.get("incident_id"))
    if incident is None:
        raise PermanentError(f"incident {job.payload.get('incident_id')} no longer exists")
    if not settings.incident_webhook_url:
        return {"skipped": "no_webhook_url"}
    body = json.dumps(slack_message(incident, str(job.payload.get("event")))).encode()
    http.refuse_card(body.decode())  # titles are redacted text; the guard stays on every send
    headers = {"Content-Type": "application/json"}
    if settings.incident_webhook_secret is not None:
        timestamp = str(int(time.time()))
        secret = settings.incident_webhook_secret.get_secret_value().encode()
        headers |= {
            TIMESTAMP_HEADER: timestamp,
            SIGNATURE_HEADER: signature(secret, timestamp, body),
        }
    timeout = settings.writeback_timeout_seconds
    with httpx.Client(timeout=timeout) as client:
        http.send(
            client,
            "POST",
            settings.incident_webhook_url,
            target="incident_webhook",
            auth_hint="TRIAGE_INCIDENT_WEBHOOK_URL",
            content=body,
            headers=headers,
        )
    return {"target": "incident_webhook", "event": job.payload.get("event")}
