"""JSON decoding and validation shared by both sources; errors name fields, never echo values."""

from __future__ import annotations

import json
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from triage.errors import TriageError

M = TypeVar("M", bound=BaseModel)


def decode_json(body: bytes) -> Any:
    try:
        return json.loads(body)
    except (UnicodeDecodeError, ValueError):
        raise TriageError("body is not valid JSON", 400, "invalid_json") from None


def validate(model: type[M], data: Any) -> M:
    if not isinstance(data, dict):
        raise TriageError("body must be a JSON object", 422)
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        fields = sorted({".".join(str(p) for p in err["loc"]) or "body" for err in exc.errors()})
        raise TriageError(f"invalid or missing field(s): {', '.join(fields)}", 422) from None
