"""Shadow reporting: how a shadowed candidate agrees with the active model, and how both fare
against what analysts later decided. Recording lives with the model lifecycle (classify.shadow).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from triage.classify.models import ShadowPrediction
from triage.tickets.models import Correction


def stats(session: Session, version_id: str) -> dict[str, Any]:
    """Agreement with the active model, and both models' accuracy on tickets analysts resolved."""
    of_version = col(ShadowPrediction.model_version) == version_id
    total = session.exec(select(func.count()).where(of_version)).one()
    agree = session.exec(
        select(func.count()).where(
            of_version, col(ShadowPrediction.category) == col(ShadowPrediction.active_category)
        )
    ).one()
    resolved = _resolved(session, version_id)
    shadow_right = sum(1 for shadow, _active, truth in resolved if shadow == truth)
    active_right = sum(1 for _shadow, active, truth in resolved if active == truth)
    n = len(resolved)
    return {
        "version": version_id,
        "predictions": int(total),
        "agreement": round(agree / total, 4) if total else None,
        "resolved": n,
        "shadow_accuracy": round(shadow_right / n, 4) if n else None,
        "active_accuracy": round(active_right / n, 4) if n else None,
    }


def _resolved(session: Session, version_id: str) -> list[tuple[str, str | None, str]]:
    """(shadow category, active category, analysts' latest category) per resolved ticket."""
    query = (
        select(ShadowPrediction, Correction)
        .join(Correction, col(Correction.ticket_id) == col(ShadowPrediction.ticket_id))
        .where(col(ShadowPrediction.model_version) == version_id)
        .order_by(col(Correction.created_at), col(Correction.id))
    )
    latest: dict[int, tuple[str, str | None, str]] = {}
    for shadow, correction in session.exec(query).all():
        latest[shadow.ticket_id] = (
            shadow.category,
            shadow.active_category,
            correction.new_category,
        )
    return list(latest.values())
