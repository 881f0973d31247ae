"""What to tell a model whose answer was rejected, without quoting any of that answer.

instructor's own re-ask repeats the model's reply (its tool call arguments) and pydantic's error
text, which can carry the model's values: a card number the model wrote would then be sent back
to the endpoint. Here the re-ask names only the fields that failed and why, in words taken
from the schema, and the reason code says what was wrong (a card, a link or an instruction in
the answer, or an answer that does not fit the schema).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from triage.llm import guards
from triage.llm.schemas import UnsafeText

GENERIC = (
    "Your previous answer could not be used: it was not a TicketTriage call whose arguments "
    "are JSON that follows the schema. Call TicketTriage again."
)
# pydantic messages that quote the input (a tag or key the model chose) are replaced.
_NOT_OFFERED = "template_id is not one of the offered templates; pick one or leave it out"
_OWN_WORDS = {
    "union_tag_invalid": _NOT_OFFERED,
    "union_tag_not_found": _NOT_OFFERED,
    "extra_forbidden": "is not a field of TicketTriage",
}
# Locations are field names and member tags from our schema; anything else is not repeated.
_SAFE_LOC = frozenset("abcdefghijklmnopqrstuvwxyz_0123456789:")


@dataclass(frozen=True)
class Rejection:
    reason: str  # invalid_output, card_in_answer, link_in_answer, instruction_in_answer, ...
    message: str  # the re-ask, holding no model-written text


def _location(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if isinstance(p, str) and set(p) <= _SAFE_LOC]
    return ".".join(parts) or "the answer"


def _line(error: Any) -> str:
    kind = str(error.get("type", ""))
    text = _OWN_WORDS.get(kind) or str(error.get("msg", "")).removeprefix("Value error, ")
    return f"- {_location(tuple(error.get('loc', ())))}: {text}"


def _unsafe_code(errors: list[Any]) -> str | None:
    for error in errors:
        cause = (error.get("ctx") or {}).get("error")
        if isinstance(cause, UnsafeText):
            return cause.code
    return None


def _validation_errors(exc: BaseException) -> Iterator[ValidationError]:
    seen: set[int] = set()
    stack: list[BaseException] = [exc]
    while stack:
        item = stack.pop()
        if id(item) in seen:
            continue
        seen.add(id(item))
        if isinstance(item, ValidationError):
            yield item
        for attempt in getattr(item, "failed_attempts", None) or []:
            if isinstance(getattr(attempt, "exception", None), BaseException):
                stack.append(attempt.exception)
        stack.extend(x for x in (item.__cause__, item.__context__) if x is not None)


def rejection(exc: BaseException) -> Rejection:
    """The reason and the re-ask for an answer that failed parsing or validation."""
    found = next(_validation_errors(exc), None)
    if found is None:
        return Rejection("invalid_output", GENERIC)
    errors = found.errors(include_input=False, include_url=False)
    code = _unsafe_code(errors)
    lines = "\n".join(_line(e) for e in errors[:10])
    message = (
        "Your previous answer could not be used:\n"
        f"{lines}\nCall TicketTriage again with every field following the schema."
    )
    if guards.has_card_like_number(message) or guards.has_url(message):
        message = GENERIC  # never, but a re-ask must not be the thing that leaks
    return Rejection(f"{code}_in_answer" if code else "invalid_output", message)
