"""A strict schema-following "model" for the fake OpenAI server.

Given the JSON schema a request carries (the tool's parameters in TOOLS mode, or
response_format's json_schema), it writes an instance that satisfies exactly that schema and
nothing more: every `$ref`, `oneOf`/`anyOf` member, `const`, `enum`, `required`, `maxLength`,
`minimum`/`maximum` is honoured. Choices (which union member, which enum value) are drawn from a
seed, so different tickets get different, equally valid answers. It also counts tokens the way
the fake bills them.
"""

from __future__ import annotations

import json
import random
import re
from typing import Any

# Deliberately pessimistic: letter runs split into pieces of at most three letters, and every
# digit and punctuation mark is a token of its own (JSON schemas are mostly punctuation).
_TOKEN = re.compile(r"[A-Za-z]{1,3}|\d|[^\sA-Za-z\d]")
_WORDS = ("alpha", "bravo", "delta", "echo", "kilo", "lima", "oscar", "tango")


def count_tokens(text: str) -> int:
    return len(_TOKEN.findall(text))


def request_tokens(body: dict[str, Any]) -> int:
    """What a request is billed for: every message's text plus the schemas it sends."""
    parts = [json.dumps(m.get("content")) for m in body.get("messages") or []]
    parts.append(json.dumps(body.get("tools") or []))
    parts.append(json.dumps(body.get("response_format") or {}))
    return sum(count_tokens(p) for p in parts)


def request_schema(body: dict[str, Any]) -> tuple[str | None, dict[str, Any]]:
    """The tool name (None outside TOOLS mode) and the schema an answer must follow."""
    tools = body.get("tools") or []
    if tools:
        function = tools[0]["function"]
        return function["name"], function.get("parameters") or {}
    response_format = body.get("response_format") or {}
    if response_format.get("type") == "json_schema":
        return None, response_format["json_schema"]["schema"]
    if response_format.get("type") == "json_object":
        return None, _schema_in_text(body.get("messages") or [])
    raise ValueError("the request carries no schema to follow")


def _schema_in_text(messages: list[dict[str, Any]]) -> dict[str, Any]:
    """JSON mode: the schema is quoted in the system message after "json_schema:"."""
    for message in messages:
        content = message.get("content")
        if isinstance(content, str) and "json_schema:" in content:
            start = content.index("{", content.index("json_schema:"))
            schema, _ = json.JSONDecoder().raw_decode(content[start:])
            return dict(schema)
    raise ValueError("json_object request without a schema in its messages")


class Writer:
    def __init__(self, root: dict[str, Any], seed: str) -> None:
        self.root = root
        self.random = random.Random(seed)

    def resolve(self, schema: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in schema:
            node: Any = self.root
            for part in schema["$ref"].removeprefix("#/").split("/"):
                node = node[part]
            schema = {**node, **{k: v for k, v in schema.items() if k != "$ref"}}
        return schema

    def value(self, schema: dict[str, Any]) -> Any:
        schema = self.resolve(schema)
        if "const" in schema:
            return schema["const"]
        if "enum" in schema:
            return self.random.choice(schema["enum"])
        for key in ("oneOf", "anyOf"):
            if key in schema:
                return self.value(self.random.choice(schema[key]))
        kind = schema.get("type", "object")
        if isinstance(kind, list):
            kind = self.random.choice(kind)
        return getattr(self, f"_{kind}")(schema)

    def _object(self, schema: dict[str, Any]) -> dict[str, Any]:
        properties: dict[str, Any] = schema.get("properties") or {}
        required = set(schema.get("required") or [])
        # Required properties always; optional ones about two times in three.
        chosen = [n for n in properties if n in required or self.random.random() < 0.67]
        return {name: self.value(properties[name]) for name in chosen}

    def _array(self, schema: dict[str, Any]) -> list[Any]:
        count = max(int(schema.get("minItems", 0)), 1)
        return [self.value(schema.get("items") or {}) for _ in range(count)]

    def _string(self, schema: dict[str, Any]) -> str:
        text = self.random.choice(_WORDS).capitalize()
        text = text[: int(schema.get("maxLength", len(text)))]
        return text.ljust(int(schema.get("minLength", 0)), "x")

    def _number(self, schema: dict[str, Any]) -> float:
        low = float(schema.get("minimum", schema.get("exclusiveMinimum", 0.0)))
        high = float(schema.get("maximum", schema.get("exclusiveMaximum", low + 1.0)))
        # A confident model: the upper tenth of the allowed range, never an exclusive bound.
        return round(low + (high - low) * self.random.uniform(0.85, 0.95), 3)

    def _integer(self, schema: dict[str, Any]) -> int:
        return int(schema.get("minimum", 0))

    def _boolean(self, schema: dict[str, Any]) -> bool:
        return self.random.random() < 0.5

    def _null(self, schema: dict[str, Any]) -> None:
        return None


def follow(body: dict[str, Any]) -> tuple[str | None, dict[str, Any]]:
    """The tool name and an answer that satisfies the request's schema, seeded by its text."""
    name, schema = request_schema(body)
    seed = json.dumps(body.get("messages") or [], sort_keys=True)
    answer = Writer(schema, seed).value(schema)
    return name, answer
