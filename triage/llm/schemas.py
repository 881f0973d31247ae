"""The response model the LLM must fill, built from the taxonomy, the template index and the
classifier's candidate categories.

Every rule validation enforces is in the JSON schema the model is sent, so a model that follows
the schema is accepted on its first answer:
- `choice` is a union with one member per reply template of a candidate category (its category
  and template id are constants, its slots an object of that template's slots with their max
  lengths) plus one member for "no template" whose category is any taxonomy id;
- slot values default to "" (the template's own default then applies) and undeclared slot
  names are dropped rather than failing the answer;
- confidence is bounded and the rationale has a max length.
What a schema cannot say is checked after it: no model-written text (slots, rationale) may hold
a link, a card-like number, an instruction or a line break. Errors never echo the model's
values (hide_input_in_errors), and re-asks are built from locations and reasons only
(reask.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Annotated, Any, ClassVar, Literal, Union

from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    create_model,
    field_validator,
    model_validator,
)

from triage.llm import guards
from triage.llm.catalog import Catalog, TemplateInfo
from triage.llm.schema_json import CompactSchema
from triage.redaction import engine as redaction

RATIONALE_MAX = 300
NO_TEMPLATE_TAG = "none"


class UnsafeText(ValueError):
    """Model-written text that may not be used; `code` keeps the reason (a card, a link...)."""

    def __init__(self, where: str, code: str, advice: str) -> None:
        super().__init__(f"{where} {guards.PROBLEMS[code]}; {advice}")
        self.code = code


def _check(where: str, value: str, advice: str) -> None:
    code = guards.problem_code(value) if value else None
    if code:
        raise UnsafeText(where, code, advice)


class _Compact(BaseModel):
    """Sends a schema without pydantic's generated titles: they cost tokens and say nothing."""

    model_config = ConfigDict(hide_input_in_errors=True, extra="forbid")

    @classmethod
    def model_json_schema(cls, *args: Any, **kwargs: Any) -> dict[str, Any]:
        kwargs.setdefault("schema_generator", CompactSchema)
        return super().model_json_schema(*args, **kwargs)


class SlotsBase(BaseModel):
    # The schema forbids other names; validation drops them, so an extra key costs nothing.
    model_config = ConfigDict(
        hide_input_in_errors=True, extra="ignore", json_schema_extra={"additionalProperties": False}
    )

    @model_validator(mode="after")
    def _safe_values(self) -> SlotsBase:
        for name, value in self:
            _check(f"slot {name}", value, "leave it out instead")
        return self


class ChoiceBase(BaseModel):
    model_config = ConfigDict(hide_input_in_errors=True, extra="ignore")


class TriageAnswerBase(_Compact):
    catalog: ClassVar[Catalog]

    @field_validator("rationale", mode="after", check_fields=False)
    @classmethod
    def _safe_rationale(cls, value: str) -> str:
        _check("the rationale", value, "write one plain sentence")
        return value

    def flat(self) -> dict[str, Any]:
        """category, template_id, slots (only those filled in), confidence, rationale."""
        data = self.model_dump()
        choice = data["choice"]
        slots = {k: v for k, v in (choice.get("slots") or {}).items() if v}
        return {
            "category": choice["category"],
            "confidence": data["confidence"],
            "template_id": choice.get("template_id"),
            "slots": slots,
            "rationale": data["rationale"],
        }


def _slots_model(template: TemplateInfo) -> type[SlotsBase]:
    fields: dict[str, Any] = {
        # Meanings are in the prompt, once per slot name, rather than in every template here.
        slot.name: (str, Field("", max_length=slot.max_length))
        for slot in template.slots
    }
    return create_model(f"Slots_{template.id}", __base__=SlotsBase, **fields)


def _constant(value: str | tuple[str, ...]) -> Any:
    return Literal[value]


def _template_choice(template: TemplateInfo) -> type[ChoiceBase]:
    slots = _slots_model(template)
    return create_model(
        f"Reply_{template.id}",
        __base__=ChoiceBase,
        __doc__=template.title,
        category=(_constant(template.category), ...),
        template_id=(_constant(template.id), ...),
        slots=(slots, Field(default_factory=slots)),
    )


def _no_template_choice(category_ids: tuple[str, ...]) -> type[ChoiceBase]:
    return create_model(
        "NoTemplate",
        __base__=ChoiceBase,
        __doc__="Any category, without a reply template",
        category=(_constant(category_ids), ...),
        template_id=(None, Field(default=None)),
    )


def _choice_tag(value: Any) -> str:
    """The union member an answer claims: its template id, or "none" without one (also for a
    value that is not an object at all, which that member then rejects as such)."""
    if isinstance(value, dict):
        template_id = value.get("template_id")
    else:
        template_id = getattr(value, "template_id", None)
    return f"t:{template_id}" if template_id else NO_TEMPLATE_TAG


def _choice_type(members: list[Any]) -> Any:
    if len(members) == 1:
        return members[0]
    return Annotated[Union[tuple(members)], Discriminator(_choice_tag)]  # noqa: UP007


@lru_cache(maxsize=256)
def response_model(
    catalog: Catalog, candidates: tuple[str, ...] | None = None
) -> type[TriageAnswerBase]:
    """A model named TicketTriage (the tool name the model sees). Templates are offered for the
    candidate categories only (all categories when None); any taxonomy id stays choosable."""
    wanted = catalog.category_ids if candidates is None else candidates
    templates = [t for c in wanted for t in catalog.templates_for(c)]
    members: list[Any] = [Annotated[_template_choice(t), Tag(f"t:{t.id}")] for t in templates]
    members.append(Annotated[_no_template_choice(catalog.category_ids), Tag(NO_TEMPLATE_TAG)])
    model = create_model(
        "TicketTriage",
        __base__=TriageAnswerBase,
        __doc__="Classify one merchant support ticket and pick a reply template.",
        choice=(_choice_type(members), Field(description="Category and reply template")),
        confidence=(float, Field(ge=0.0, le=1.0, description="Probability the category is right")),
        rationale=(str, Field(max_length=RATIONALE_MAX, description="One short sentence: why")),
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
        data = answer.flat()
        return cls(
            category=data["category"],
            confidence=float(data["confidence"]),
            template_id=data["template_id"],
            # Slots reach the cache, the draft reply and analysts: redact them like ticket text.
            slots={k: redaction.redact(str(v)).text for k, v in data["slots"].items()},
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


def nest(flat: dict[str, Any]) -> dict[str, Any]:
    """A flat answer (as cached or written by hand) in the shape of the response model."""
    choice: dict[str, Any] = {"category": flat.get("category")}
    if flat.get("template_id"):
        choice["template_id"] = flat["template_id"]
        choice["slots"] = dict(flat.get("slots") or {})
    return {
        "choice": choice,
        "confidence": flat.get("confidence"),
        "rationale": flat.get("rationale", ""),
    }


def validate_dict(catalog: Catalog, data: dict[str, Any]) -> LlmResult | None:
    """Re-validate a stored answer (cache) against today's catalog; None if it no longer fits."""
    try:
        return LlmResult.from_answer(response_model(catalog).model_validate(nest(data)))
    except ValueError:
        return None
