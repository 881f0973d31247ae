"""The response model the LLM must fill: built from the taxonomy and the template index.

The category is an enum of taxonomy ids, the template must belong to that category, and slot
values must be declared by that template, fit its max length and hold no link, card-like number
or instruction. Errors never echo the model's values (hide_input_in_errors), because instructor
sends validation errors back to the model and the client refuses any request holding a PAN.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, create_model, model_validator

from triage.llm import guards
from triage.llm.catalog import Catalog
from triage.redaction import engine as redaction

RATIONALE_MAX = 300


class TriageAnswerBase(BaseModel):
    model_config = ConfigDict(hide_input_in_errors=True, extra="forbid")
    catalog: ClassVar[Catalog]

    @model_validator(mode="after")
    def _bound_to_catalog(self) -> TriageAnswerBase:
        data: dict[str, Any] = dict(self)
        template_id: str | None = data["template_id"]
        slots: dict[str, str] = data["slots"]
        if template_id is None:
            if slots:
                raise ValueError("slots need a template_id")
            return self
        template = self.catalog.template(template_id)
        if template is None or template.category != data["category"]:
            raise ValueError(f"template_id {template_id} does not belong to the chosen category")
        for name, value in slots.items():
            _check_slot(template.slot(name), name, value)
        if guards.has_card_like_number(data["rationale"]):
            raise ValueError("rationale holds a card-like number")
        return self


def _check_slot(slot: Any, name: str, value: str) -> None:
    if slot is None:
        raise ValueError(f"slot {name!r} is not declared by the chosen template")
    if len(value) > slot.max_length:
        raise ValueError(f"slot {name!r} is longer than {slot.max_length} characters")
    problem = guards.problem_with(value)
    if problem:
        raise ValueError(f"slot {name!r} {problem}; leave it out instead")


@lru_cache(maxsize=4)
def response_model(catalog: Catalog) -> type[TriageAnswerBase]:
    """A pydantic model named TicketTriage (the tool name the model sees) for this catalog."""
    category_type: Any = Literal[catalog.category_ids]
    template_type: Any = Literal[catalog.template_ids] | None
    model = create_model(
        "TicketTriage",
        __base__=TriageAnswerBase,
        __doc__="Classify one merchant support ticket and pick a reply template.",
        category=(category_type, Field(description="One category id from the taxonomy")),
        confidence=(float, Field(ge=0.0, le=1.0, description="Probability the category is right")),
        template_id=(
            template_type,
            Field(default=None, description="A reply template id of the chosen category"),
        ),
        slots=(
            dict[str, str],
            Field(default_factory=dict, description="Values for the template's slots"),
        ),
        rationale=(
            str,
            Field(max_length=RATIONALE_MAX, description="One short sentence: why this category"),
        ),
    )
    model.catalog = catalog
    return model


@dataclass(frozen=True)
class LlmResult:
    """A validated answer, detached from pydantic so it can be cached and passed to routing."""

    category: str
    confidence: float
    template_id: str | None
    slots: dict[str, str] = field(default_factory=dict)
    rationale: str = ""

    @classmethod
    def from_answer(cls, answer: TriageAnswerBase) -> LlmResult:
        data = answer.model_dump()
        return cls(
            category=data["category"],
            confidence=float(data["confidence"]),
            template_id=data["template_id"],
            # Slots reach the cache, the draft reply and analysts: redact them like ticket text.
            slots={
                k: redaction.redact(str(v)).text
                for k, v in dict(data["slots"]).items()
                if v is not None
            },
            # Analysts see the rationale: it gets the same redaction as ticket text.
            rationale=redaction.redact(data["rationale"]).text,
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "category": self.category,
            "confidence": self.confidence,
            "template_id": self.template_id,
            "slots": dict(self.slots),
            "rationale": self.rationale,
        }


def validate_dict(catalog: Catalog, data: dict[str, Any]) -> LlmResult | None:
    """Re-validate a stored answer (cache) against today's catalog; None if it no longer fits."""
    try:
        return LlmResult.from_answer(response_model(catalog).model_validate(data))
    except ValueError:
        return None
