"""Small builders shared by the LLM database tests."""

from __future__ import annotations

import itertools
from typing import Any

from sqlmodel import Session, select

from tests.fakes.openai_server import Step
from triage.classify.classifier import Prediction
from triage.llm.models import LlmCall
from triage.llm.schemas import nest
from triage.tickets.models import Ticket

_ids = itertools.count(1)
VALID: dict[str, Any] = {
    "category": "settlement_delay",
    "confidence": 0.9,
    "template_id": "settlement_delay_general",
    "slots": {"batch_id": "B-20240314-02"},
    "rationale": "A settlement batch has not reached the merchant's bank.",
}


def guess(confidence: float = 0.41, auto: bool = False) -> Prediction:
    """The classifier's unsure guess about a settlement ticket."""
    return Prediction(
        category="settlement_delay",
        confidence=confidence,
        top=[("settlement_delay", confidence), ("payout_failure", 0.33)],
        threshold=0.8,
        auto=auto,
        model_version="m-test",
    )


def make_ticket(session: Session, body: str, subject: str = "Where is my money?") -> Ticket:
    ticket = Ticket(
        source="zendesk",
        external_id=str(next(_ids)),
        external_number=str(next(_ids)),
        subject=subject,
        body=body,
        status="llm_pending",
        team="settlements",
    )
    session.add(ticket)
    session.flush()
    return ticket


def calls(session: Session) -> list[LlmCall]:
    return list(session.exec(select(LlmCall).order_by(LlmCall.id)))  # type: ignore[arg-type]


FLAT_KEYS = frozenset(VALID)


def reply(**flat: Any) -> Step:
    """A scripted answer written flat (category, template_id, slots, ...), sent in the shape
    of the response schema; keys that are not answer fields stay at the top level as sent."""
    extra = {key: value for key, value in flat.items() if key not in FLAT_KEYS}
    return Step(arguments={**nest(flat), **extra})
