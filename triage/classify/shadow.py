"""Shadow mode: a candidate predicts beside the active model on every new ticket, routing nothing.

The shadow model is loaded once per process and database, like the active one, and reloaded only
when the shadow version id changes. Its predictions are stored in shadow_predictions; the lead
page compares them with the active model's and with what analysts later decided.
"""

from __future__ import annotations

import logging

from sqlmodel import Session, col, select

from triage import metrics
from triage.audit import log as audit
from triage.classify import artefact, registry
from triage.classify.classifier import Prediction
from triage.classify.loaded import LoadedModel
from triage.classify.models import ModelVersion, ShadowPrediction
from triage.config import get_settings
from triage.errors import TriageError
from triage.tickets.models import Ticket

log = logging.getLogger(__name__)


def shadow_version_id(session: Session) -> str | None:
    query = select(ModelVersion.id).where(col(ModelVersion.shadow).is_(True))
    return session.exec(query.order_by(col(ModelVersion.created_at).desc())).first()


_SHADOW = LoadedModel("shadow", shadow_version_id, registry.load_version)


def shadow_model(session: Session) -> artefact.TrainedModel | None:
    """The shadow model, if any, cached per process and reloaded when the shadow id changes."""
    return _SHADOW.get(session)


def record(
    session: Session, ticket: Ticket, text: str, active: Prediction | None
) -> ShadowPrediction | None:
    """Store the shadow model's prediction for a new ticket; never changes the ticket's route."""
    if not get_settings().shadow_enabled or ticket.id is None:
        return None
    model = shadow_model(session)
    if model is None or (active is not None and model.version == active.model_version):
        return None
    try:
        prediction = model.predict(text)
    except Exception as exc:  # a broken candidate must never stop a ticket being ingested
        log.error("shadow prediction failed: %s", type(exc).__name__)
        return None
    row = ShadowPrediction(
        ticket_id=ticket.id,
        model_version=model.version,
        category=prediction.category,
        confidence=prediction.confidence,
        active_version=active.model_version if active else None,
        active_category=active.category if active else None,
    )
    session.add(row)
    agrees = "yes" if active is not None and active.category == prediction.category else "no"
    metrics.SHADOW_PREDICTIONS.labels(agrees=agrees).inc()
    return row


def set_shadow(session: Session, version_id: str | None, actor: str) -> ModelVersion | None:
    """Run `version_id` in shadow (None: stop shadowing); one shadow version at a time."""
    target = registry.get_version(session, version_id) if version_id else None
    if target is not None and target.status == registry.ACTIVE:
        raise TriageError(f"{target.id} is the active model; shadow a candidate instead", 409)
    previous = shadow_version_id(session)
    for row in session.exec(select(ModelVersion).where(col(ModelVersion.shadow).is_(True))):
        row.shadow = False
        session.add(row)
    if target is not None:
        target.shadow = True
        session.add(target)
    session.flush()
    _SHADOW.forget(session)
    action = "model.shadow_on" if target is not None else "model.shadow_off"
    after = {"shadow": target.id if target is not None else None}
    audit.record(session, actor, action, before={"shadow": previous}, after=after)
    return target
