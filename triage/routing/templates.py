"""Reply templates from labels/templates/: declared slots, sandboxed rendering, redacted values."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from jinja2 import FileSystemLoader, meta
from jinja2.sandbox import SandboxedEnvironment

from triage.config import get_settings
from triage.redaction import engine as redaction

SYSTEM_VARIABLES = frozenset({"ticket_number"})


class TemplateConfigError(ValueError):
    """index.yaml or a template file is invalid; the message names the template."""


@dataclass(frozen=True)
class Slot:
    name: str
    description: str
    max_length: int
    required: bool


@dataclass(frozen=True)
class Template:
    id: str
    category: str
    title: str
    file: str
    slots: tuple[Slot, ...]

    def slot(self, name: str) -> Slot | None:
        return next((s for s in self.slots if s.name == name), None)


@dataclass(frozen=True)
class TemplateSet:
    directory: Path
    templates: dict[str, Template]
    env: SandboxedEnvironment

    def for_category(self, category: str | None) -> list[Template]:
        return [t for t in self.templates.values() if t.category == category]

    def render(self, template_id: str, slots: dict[str, str], ticket_number: str) -> str:
        template = self.templates.get(template_id)
        if template is None:
            raise TemplateConfigError(f"unknown template {template_id!r}")
        values = clean_slots(template, slots)
        rendered = self.env.get_template(template.file).render(
            **values, ticket_number=_clean(ticket_number, 64)
        )
        # Template files are ours, but re-check the whole body: promise 1 covers every output.
        return redaction.redact(rendered).text


def _clean(value: str, max_length: int) -> str:
    return redaction.redact(str(value)).text.strip()[:max_length]


def clean_slots(template: Template, slots: dict[str, str]) -> dict[str, str]:
    """Only declared slots survive, each redacted again and cut to its max_length."""
    out: dict[str, str] = {}
    for name, value in slots.items():
        slot = template.slot(name)
        if slot is not None and value is not None:
            out[name] = _clean(value, slot.max_length)
    return out


def _parse_slot(template_id: str, raw: Any) -> Slot:
    if not isinstance(raw, dict) or not raw.get("name"):
        raise TemplateConfigError(f"template {template_id!r}: each slot needs a name")
    return Slot(
        name=str(raw["name"]),
        description=str(raw.get("description", "")),
        max_length=int(raw.get("max_length", 200)),
        required=bool(raw.get("required", False)),
    )


def _parse_template(raw: Any) -> Template:
    if not isinstance(raw, dict) or not all(raw.get(k) for k in ("id", "category", "file")):
        raise TemplateConfigError("each template needs id, category and file")
    tid = str(raw["id"])
    return Template(
        id=tid,
        category=str(raw["category"]),
        title=str(raw.get("title", tid)),
        file=str(raw["file"]),
        slots=tuple(_parse_slot(tid, s) for s in raw.get("slots") or ()),
    )


def _check_variables(env: SandboxedEnvironment, template: Template) -> None:
    """Every variable a template reads must be a declared slot or supplied by the system."""
    source = env.loader.get_source(env, template.file)[0]  # type: ignore[union-attr]
    used = meta.find_undeclared_variables(env.parse(source))
    unknown = used - {s.name for s in template.slots} - SYSTEM_VARIABLES
    if unknown:
        raise TemplateConfigError(f"template {template.id!r} uses undeclared {sorted(unknown)}")


@lru_cache(maxsize=4)
def load_template_set(labels_dir: Path) -> TemplateSet:
    directory = Path(labels_dir) / "templates"
    with (directory / "index.yaml").open(encoding="utf-8") as fh:
        data = yaml.safe_load(fh) or {}
    # Read once per process like index.yaml above: no stat() of the file on every render.
    env = SandboxedEnvironment(
        loader=FileSystemLoader(directory), autoescape=False, auto_reload=False
    )
    templates: dict[str, Template] = {}
    for raw in data.get("templates") or ():
        template = _parse_template(raw)
        if template.id in templates:
            raise TemplateConfigError(f"duplicate template id {template.id!r}")
        _check_variables(env, template)
        templates[template.id] = template
    return TemplateSet(directory=directory, templates=templates, env=env)


def load_templates(labels_dir: Path) -> dict[str, Template]:
    return load_template_set(Path(labels_dir)).templates


def _default_set() -> TemplateSet:
    return load_template_set(get_settings().labels_dir)


def for_category(category: str | None) -> list[Template]:
    return _default_set().for_category(category)


def render(template_id: str, slots: dict[str, str], ticket_number: str) -> str:
    return _default_set().render(template_id, slots, ticket_number)
