"""The one shape both sources are parsed into. Raw instances live only inside the request."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Literal

from triage import metrics
from triage.redaction import engine as redaction


@dataclass(frozen=True)
class TicketEvent:
    source: str
    delivery_id: str
    kind: Literal["created", "comment"]
    external_id: str
    subject: str = ""
    body: str = ""
    comment: str | None = None
    comment_id: str | None = None
    comment_public: bool = True
    author_id: str | None = None
    requester_id: str | None = None
    organization_id: str | None = None
    tags: tuple[str, ...] = ()
    external_table: str | None = None
    external_number: str | None = None
    updated_at: str | None = None
    summary: dict[str, Any] = field(default_factory=dict)


def _merge_counts(*summaries: dict[str, Any]) -> dict[str, Any]:
    counts: dict[str, int] = {}
    engine = None
    for summary in summaries:
        engine = summary.get("engine", engine)
        for kind, n in summary.get("counts", {}).items():
            if n:
                counts[kind] = counts.get(kind, 0) + int(n)
    return {"counts": counts, "engine": engine}


def redact_event(event: TicketEvent) -> TicketEvent:
    """Every free-text field redacted; the summary counts what was removed."""
    subject = redaction.redact(event.subject)
    body = redaction.redact(event.body)
    comment = redaction.redact(event.comment) if event.comment is not None else None
    # Tags are free text too: an agent can type (or a trigger copy) a card number into one.
    tags = [redaction.redact(tag) for tag in event.tags]
    summaries = [subject.summary, body.summary] + ([comment.summary] if comment else [])
    summary = _merge_counts(*summaries, *(tag.summary for tag in tags))
    # ops (issue 8): redactions by type for /metrics; counts only, never the redacted values.
    for kind, n in summary["counts"].items():
        metrics.REDACTIONS.labels(kind).inc(n)
    return replace(
        event,
        subject=subject.text,
        body=body.text,
        comment=comment.text if comment else None,
        tags=tuple(tag.text for tag in tags),
        summary=summary,
    )
