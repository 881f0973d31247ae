"""A JSON schema generator for prompts: what the model must know, in as few tokens as it takes.

Every character of the schema is paid on every call. Pydantic's generated titles ("Batch Id",
"Slots_x") repeat the property names, `"type"` next to a `"const"` and an empty-string default
say nothing a model needs, and `$ref` indirection costs the definition names twice: this
generator drops the first three and inlines the references (the response models are not
recursive). Unions are sent as `anyOf` rather than `oneOf`: the members exclude each other by
their constant template id, so the meaning is the same, and `anyOf` is what every structured
output implementation supports (OpenAI's strict mode rejects `oneOf`).
"""

from __future__ import annotations

from typing import Any

from pydantic.json_schema import GenerateJsonSchema, JsonSchemaMode, JsonSchemaValue
from pydantic_core import CoreSchema

_REF_PREFIX = "#/$defs/"


def _redundant(key: str, value: Any, node: dict[str, Any]) -> bool:
    if key == "title" and isinstance(value, str):
        return True  # a property named "title" maps to a dict, so it stays
    if key == "type" and "const" in node:
        return True
    return key == "default" and value == ""


def _compact(node: Any, defs: dict[str, Any]) -> Any:
    if isinstance(node, list):
        return [_compact(item, defs) for item in node]
    if not isinstance(node, dict):
        return node
    ref = node.get("$ref")
    if isinstance(ref, str) and ref.startswith(_REF_PREFIX):
        target = _compact(defs[ref.removeprefix(_REF_PREFIX)], defs)
        siblings = {k: v for k, v in node.items() if k != "$ref"}
        return {**target, **_compact(siblings, defs)}
    return {
        ("anyOf" if key == "oneOf" else key): _compact(value, defs)
        for key, value in node.items()
        if key != "$defs" and not _redundant(key, value, node)
    }


class CompactSchema(GenerateJsonSchema):
    def generate(self, schema: CoreSchema, mode: JsonSchemaMode = "validation") -> JsonSchemaValue:
        generated = super().generate(schema, mode)
        compact: JsonSchemaValue = _compact(generated, generated.get("$defs", {}))
        if "title" in generated:
            compact["title"] = generated["title"]  # the tool name instructor sends: TicketTriage
        return compact
