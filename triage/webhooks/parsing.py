"""JSON decoding and validation shared by both sources; errors name fields, never echo values."""

from __future__ import annotations

import json
import re
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from triage.errors import TriageError

M = TypeVar("M", bound=BaseModel)


# Both sources send flat objects a few levels deep; the json module recurses once per level.
MAX_DEPTH = 32
_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_NOT_BRACKET = bytes(sorted(set(range(256)) - set(b"[]{}")))
_AS_SQUARE = bytes.maketrans(b"{}", b"[]")


def too_deep(body: bytes, limit: int = MAX_DEPTH) -> bool:
    """True when arrays and objects nest deeper than `limit` (or their brackets do not pair up,
    which json rejects anyway). Strings are removed, then each round deletes the innermost
    pairs: at most `limit` passes of C-speed replaces, whatever the body holds."""
    brackets = _STRING.sub(b"", body).translate(_AS_SQUARE, _NOT_BRACKET)
    if b"[" * (limit + 1) in brackets:  # the usual attack, found in one scan
        return True
    for _ in range(limit):
        shorter = brackets.replace(b"[]", b"")
        if len(shorter) == len(brackets):
            break
        brackets = shorter
    return bool(brackets)


def decode_json(body: bytes) -> Any:
    if too_deep(body):
        raise TriageError(f"JSON nests deeper than {MAX_DEPTH} levels", 400, "invalid_json")
    try:
        return json.loads(body)
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise TriageError("body is not valid JSON", 400, "invalid_json") from None


def validate(model: type[M], data: Any) -> M:
    if not isinstance(data, dict):
        raise TriageError("body must be a JSON object", 422)
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        fields = sorted({".".join(str(p) for p in err["loc"]) or "body" for err in exc.errors()})
        raise TriageError(f"invalid or missing field(s): {', '.join(fields)}", 422) from None
