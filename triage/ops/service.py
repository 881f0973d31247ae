"""What leads do to model versions: list, compare, promote (gated), roll back, shadow, train.

Services flush, never commit: the request (or CLI command) owns the transaction, so a promotion
and its audit row are stored together or not at all.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import defer
from sqlmodel import Session, col, select

from triage.classify import compare, evaluate, promotion, registry, shadow
from triage.classify.models import ModelVersion
from triage.errors import TriageError
from triage.ops import shadow as shadow_report

MAX_VERSIONS = 50


def _thresholds(values: dict[str, Any]) -> dict[str, Any]:
    set_ = {k: float(v) for k, v in values.items() if v is not None}
    return {
        "auto_categories": len(set_),
        "categories": len(values),
        "min": round(min(set_.values()), 4) if set_ else None,
        "max": round(max(set_.values()), 4) if set_ else None,
        "by_category": {
            k: (round(float(v), 4) if v is not None else None) for k, v in values.items()
        },
    }


def _cv(metrics: dict[str, Any]) -> dict[str, Any] | None:
    cv = metrics.get("cv")
    return {k: cv[k] for k in evaluate.SUMMARY_KEYS if k in cv} if isinstance(cv, dict) else None


def version_view(row: ModelVersion) -> dict[str, Any]:
    metrics = row.metrics or {}
    return {
        "id": row.id,
        "status": row.status,
        "shadow": row.shadow,
        "created_at": row.created_at.isoformat(),
        "activated_at": row.activated_at.isoformat() if row.activated_at else None,
        "created_by": row.created_by,
        "notes": row.notes,
        "n_train": row.n_train,
        "previous_active_id": row.previous_active_id,
        "cv": _cv(metrics),
        "golden": metrics.get("golden"),
        "holdout": metrics.get("holdout"),
        "gate_failures": metrics.get("gate_failures"),
        "compared_at": metrics.get("compared_at"),
        "thresholds": _thresholds(row.thresholds or {}),
    }


def versions(session: Session) -> list[dict[str, Any]]:
    """Newest first, without loading the artefacts."""
    query = (
        select(ModelVersion)
        .options(defer(ModelVersion.artefact))  # type: ignore[arg-type]
        .order_by(col(ModelVersion.created_at).desc())
        .limit(MAX_VERSIONS)
    )
    return [version_view(row) for row in session.exec(query).all()]


def promote(
    session: Session, version_id: str, actor: str, *, force: bool, reason: str | None
) -> promotion.Outcome:
    """Activate a candidate that passes the gates, or a failing one forced with a reason."""
    reason = (reason or "").strip() or None
    if force and reason is None:
        raise TriageError("forcing a promotion past the gates needs a reason", 422)
    compare.check_candidate(session, version_id)
    outcome = promotion.promote(session, version_id, actor, force=force, reason=reason)
    if outcome.activated and shadow.shadow_version_id(session) == version_id:
        shadow.set_shadow(session, None, actor)
    return outcome


def rollback(session: Session, actor: str, reason: str | None = None) -> ModelVersion:
    return registry.rollback(session, actor, reason)


def rollback_target(session: Session) -> str | None:
    return registry.rollback_target(session)


def shadow_summary(session: Session) -> dict[str, Any] | None:
    version_id = shadow.shadow_version_id(session)
    return shadow_report.stats(session, version_id) if version_id else None


def active_id(session: Session) -> str | None:
    row = registry.active_version(session)
    return row.id if row is not None else None
