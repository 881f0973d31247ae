"""What people do with an incident: acknowledge it, answer it once for every linked ticket,
resolve it; and the outgoing notifications that follow. The caller owns the transaction."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, col, select

from triage import labels
from triage.audit import log as audit
from triage.auth.dependencies import can_see_team, has_role
from triage.auth.models import User
from triage.config import Settings, get_settings
from triage.db.engine import utcnow
from triage.errors import TriageError
from triage.incidents import language
from triage.incidents.models import Incident, IncidentStatus, IncidentTicket
from triage.jobs import queue
from triage.jobs.models import TaskKind
from triage.redaction import engine as redaction
from triage.review import approval
from triage.routing import templates
from triage.tickets.models import Ticket

TEMPLATE_CATEGORY = "incident"
MAX_MESSAGE = 4_000


def answer_templates(settings: Settings) -> dict[str, dict[str, str]]:
    """Incident answer families: base template id -> {language: template id}."""
    index = labels.templates_index(settings.labels_dir).data or {}
    families: dict[str, dict[str, str]] = {}
    for raw in index.get("templates") or ():
        if raw.get("category") != TEMPLATE_CATEGORY:
            continue
        lang = str(raw.get("language") or language.DEFAULT)
        base = str(raw["id"]).removesuffix(f"_{lang}") if lang != language.DEFAULT else raw["id"]
        families.setdefault(str(base), {})[lang] = str(raw["id"])
    return families


def check_allowed(user: User, incident: Incident) -> None:
    """An analyst of the owning team, or a lead."""
    if has_role(user, "lead") or can_see_team(user, incident.team):
        return
    raise TriageError("only the owning team's analysts or a lead can act on this incident", 403)


def _audit(session: Session, user: User, action: str, incident: Incident, **after: Any) -> None:
    after = {"incident_id": incident.id, "status": incident.status} | after
    audit.record(session, user.email, action, None, None, after, incident.title)


def acknowledge(session: Session, user: User, incident: Incident) -> Incident:
    check_allowed(user, incident)
    if incident.status != IncidentStatus.OPEN:
        return incident
    incident.status, incident.acknowledged_by = IncidentStatus.ACKNOWLEDGED, user.email
    incident.acknowledged_at = incident.updated_at = utcnow()
    session.add(incident)
    _audit(session, user, "incident.acknowledge", incident)
    return incident


def resolve(session: Session, user: User, incident: Incident) -> Incident:
    """Resolved: no new ticket joins, and none gets the answer any more."""
    check_allowed(user, incident)
    if incident.status == IncidentStatus.RESOLVED:
        return incident
    incident.status, incident.active_key = IncidentStatus.RESOLVED, None
    incident.resolved_by, incident.resolved_at = user.email, utcnow()
    incident.updated_at = incident.resolved_at
    session.add(incident)
    _audit(session, user, "incident.resolve", incident)
    notify(session, incident, "resolved", get_settings())
    return incident


def approve_answer(
    session: Session, user: User, incident: Incident, template_id: str, message: str
) -> int:
    """Approve one answer for the incident, once: every linked ticket (and every ticket that
    joins until it is resolved) gets it as one public reply. How many replies were queued."""
    check_allowed(user, incident)
    if incident.status == IncidentStatus.RESOLVED:
        raise TriageError("the incident is resolved; answer its tickets one by one", 409)
    if incident.answer_approved_at is not None:
        raise TriageError("this incident's answer is already approved and on its way", 409)
    if template_id not in answer_templates(get_settings()):
        raise TriageError("choose one of the incident answer templates", 422)
    clean = redaction.redact(message[:MAX_MESSAGE]).text.strip()
    if not clean:
        raise TriageError("the answer is empty", 422)
    incident.answer_template_id, incident.answer_body = template_id, clean
    incident.answer_approved_by, incident.answer_approved_at = user.email, utcnow()
    incident.updated_at = incident.answer_approved_at
    session.add(incident)
    session.flush()
    _audit(session, user, "incident.answer", incident, template_id=template_id)
    linked = select(Ticket).join(IncidentTicket, col(IncidentTicket.ticket_id) == col(Ticket.id))
    tickets = session.exec(linked.where(IncidentTicket.incident_id == incident.id)).all()
    return sum(send_to(session, incident, ticket) is not None for ticket in tickets)


def render_for(incident: Incident, ticket: Ticket, settings: Settings) -> tuple[str, str]:
    """The incident's answer for one ticket, in its language where a template exists for it."""
    assert incident.answer_template_id is not None
    family = answer_templates(settings).get(incident.answer_template_id) or {}
    lang = language.guess(f"{ticket.subject}\n{ticket.body}")
    template_id = family.get(lang) or family.get(language.DEFAULT) or incident.answer_template_id
    number = ticket.external_number or ticket.external_id
    body = templates.render(template_id, {"message": incident.answer_body or ""}, number)
    return template_id, body


def send_to(session: Session, incident: Incident, ticket: Ticket) -> int | None:
    """Queue the approved answer as the ticket's one public reply; the job id, or None."""
    if incident.answer_approved_by is None or incident.status == IncidentStatus.RESOLVED:
        return None
    template_id, body = render_for(incident, ticket, get_settings())
    reason = f"incident {incident.id}: answer approved by {incident.answer_approved_by}"
    return approval.approve_text(
        session, incident.answer_approved_by, ticket, body, template_id, reason
    )


def notify(session: Session, incident: Incident, event: str, settings: Settings) -> None:
    """Queue the outgoing webhook for an opened or resolved incident, when one is configured."""
    if not settings.incident_webhook_url:
        return
    key = f"{TaskKind.INCIDENTS_NOTIFY}:{incident.id}:{event}"
    payload = {"incident_id": incident.id, "event": event}
    queue.enqueue_id(
        session, TaskKind.INCIDENTS_NOTIFY, ticket_id=None, payload=payload, dedupe_key=key
    )
