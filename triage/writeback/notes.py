"""The internal note written back to the ticket, and the markers that make write-back idempotent.

A marker is written in the same request as the note, so "marker present" means "note landed".
"""

from __future__ import annotations

import re
from typing import Any, Protocol

from triage.tickets.models import Reply

NOTE_TAG_PREFIX = "triage_note_"
REPLY_TAG_PREFIX = "triage_reply_"
# Version ids made before `clf-` ids: date, time and digest join into a Luhn-valid-looking run
# for a scanner that ignores the dashes.
LEGACY_VERSION = re.compile(r"(\d{4})(\d{2})(\d{2})-(\d{2})(\d{2})(\d{2})-([0-9a-f]{8})")


class NoteDecision(Protocol):
    """What a note says of a decision: a Decision, or the columns the write-back job reads."""

    @property
    def id(self) -> int | None: ...
    @property
    def stage(self) -> str: ...
    @property
    def model_version(self) -> str | None: ...
    @property
    def prompt_version(self) -> str | None: ...
    @property
    def llm_model(self) -> str | None: ...
    @property
    def category(self) -> str | None: ...
    @property
    def confidence(self) -> float | None: ...
    @property
    def threshold(self) -> float | None: ...
    @property
    def route(self) -> str: ...
    @property
    def team(self) -> str | None: ...
    @property
    def reasons(self) -> dict[str, Any]: ...


def note_marker(decision_id: int) -> str:
    return f"[triage:{decision_id}]"


def note_tag(decision_id: int) -> str:
    return f"{NOTE_TAG_PREFIX}{decision_id}"


def reply_tag(reply_id: int) -> str:
    return f"{REPLY_TAG_PREFIX}{reply_id}"


def reply_marker(reply_id: int) -> str:
    return f"Ref. triage-reply-{reply_id}"


def version_label(version: str) -> str:
    """A model version as a note shows it: older ids spelled out so that no digits run together."""
    old = LEGACY_VERSION.fullmatch(version)
    if old is None:
        return version
    year, month, day, hour, minute, second, digest = old.groups()
    return f"of {year}-{month}-{day} at {hour}:{minute}:{second}, sha {digest}"


def source_line(decision: NoteDecision) -> str:
    if decision.stage == "llm" and decision.llm_model:
        prompt = decision.prompt_version or "unknown"
        return f"LLM {decision.llm_model} (prompt {prompt})"
    if decision.stage == "human":
        return "analyst"
    return f"classifier {version_label(decision.model_version or 'unknown')}"


def _confidence_line(decision: NoteDecision) -> str:
    if decision.confidence is None:
        return "Confidence: n/a"
    threshold = "none" if decision.threshold is None else f"{decision.threshold:.2f}"
    return f"Confidence: {decision.confidence:.2f} (threshold {threshold})"


def decision_note(decision: NoteDecision, priority: str | None, reply_body: str | None) -> str:
    assert decision.id is not None
    lines = [
        f"{note_marker(decision.id)} Triage suggestion",
        f"Category: {decision.category or 'unknown'}",
        _confidence_line(decision),
        f"Source: {source_line(decision)}",
        f"Route: {decision.route}, team {decision.team or '-'}, priority {priority or '-'}",
    ]
    why = decision.reasons.get("why_review")
    if decision.route == "review" and why:
        lines.append(f"Needs review: {why}")
    if reply_body:
        lines += ["", "Suggested reply (draft, not sent to the merchant):", reply_body]
    return "\n".join(lines)


def public_reply(reply: Reply) -> str:
    assert reply.id is not None
    return f"{reply.body.rstrip()}\n\n{reply_marker(reply.id)}"
