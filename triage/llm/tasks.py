"""The "llm.fallback" task: ask the LLM about a ticket the classifier was unsure of, then route.

Runs only in the job worker, never inside the webhook request. A retried job on a ticket that
has already been decided does nothing (promise 3).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from sqlmodel import Session, col, select

from triage import flows
from triage.classify import data as classify_data
from triage.classify import registry
from triage.classify.classifier import Prediction
from triage.config import get_settings
from triage.db.sqlite import session_write_lock
from triage.jobs import handlers
from triage.jobs.models import Job, TaskKind
from triage.llm import fallback
from triage.routing import policy, rules
from triage.tickets.models import Decision, Ticket, TicketStatus


def _stored_prediction(session: Session, ticket: Ticket) -> Prediction | None:
    """The classifier's prediction as recorded in its Decision row, when no model is loaded."""
    statement = (
        select(Decision)
        .where(Decision.ticket_id == ticket.id, Decision.stage == "classifier")
        .order_by(col(Decision.id).desc())
    )
    row = session.exec(statement).first()
    if row is None or row.category is None:
        return None
    top = row.reasons.get("classifier", {}).get("top") or [[row.category, row.confidence or 0]]
    return Prediction(
        category=row.category,
        confidence=float(row.confidence or 0.0),
        top=[(str(c), float(p)) for c, p in top],
        threshold=row.threshold,
        auto=False,
        model_version=row.model_version or "",
    )


def _prediction(session: Session, ticket: Ticket) -> policy.PredictionLike | None:
    model = registry.active_model(session)
    if model is not None:
        return model.predict(classify_data.ticket_text(ticket.subject, ticket.body))
    return _stored_prediction(session, ticket)


@handlers.handler(TaskKind.LLM_FALLBACK)
def llm_fallback(session: Session, job: Job) -> dict[str, Any]:
    ticket = session.get(Ticket, job.ticket_id) if job.ticket_id is not None else None
    if ticket is None:
        raise handlers.PermanentError("ticket not found")
    if ticket.status != TicketStatus.LLM_PENDING:
        return {"skipped": f"ticket is {ticket.status}"}
    prediction = _prediction(session, ticket)
    if prediction is None:
        raise handlers.PermanentError("no active model and no classifier decision to start from")
    settings = get_settings()
    routes = rules.load_routes(settings.labels_dir)
    team = ticket.team or routes.for_category(prediction.category).team
    outcome = fallback.run(session, ticket, prediction, team)
    # The call's row (tokens, cost) and its cached answer are committed now, not with the job's
    # completion: if the rest fails or the lease was lost meanwhile, the spend still counts
    # against the team's budget, and the retry is answered from the cache.
    with session_write_lock(session):
        session.commit()
    decision = policy.decide_from_llm(
        prediction, outcome.result, outcome.reason, routes, settings.llm_confidence_threshold
    )
    reasons = {**decision.reasons, "llm_outcome": {"outcome": outcome.outcome, **outcome.extra}}
    decision = replace(decision, reasons=reasons, usage=outcome.usage)
    decision_id = flows.apply_decision(session, ticket, decision)
    return {"decision_id": decision_id, "route": decision.route, "llm_outcome": outcome.outcome}
