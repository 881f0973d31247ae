"""Reply templates from labels/templates/: declared slots, sandboxed rendering, redacted values.

English files sit in labels/templates/; a translation of the same file sits in a folder named by
its language code (de/, es/, fr/). A required slot nobody filled renders as a visible
`[[slot_name]]` marker, which review refuses to send until an analyst fills or removes it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import FileSystemLoader, meta
from jinja2.sandbox import SandboxedEnvironment

from triage import labels
from triage.config import get_settings
from triage.redaction import engine as redaction

SYSTEM_VARIABLES = frozenset({"ticket_number"})
DEFAULT_LANGUAGE = "en"
TRANSLATIONS = ("de", "es", "fr")
# Stands in for the ticket number while a render is cached; redaction leaves it as it is.
NUMBER_MARK = "[[ticket-number]]"
RENDER_CACHE_SIZE = 512
NEIGHBOURHOOD = 64


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
    languages: tuple[str, ...] = (DEFAULT_LANGUAGE,)

    def slot(self, name: str) -> Slot | None:
        return next((s for s in self.slots if s.name == name), None)


@dataclass(frozen=True)
class TemplateSet:
    directory: Path
    templates: dict[str, Template]
    env: SandboxedEnvironment
    # (template id, language, cleaned slots) -> checked body; every new draft renders here.
    _rendered: dict[tuple[str, str, tuple[tuple[str, str], ...]], str] = field(
        default_factory=dict, compare=False, repr=False
    )

    def for_category(self, category: str | None) -> list[Template]:
        return [t for t in self.templates.values() if t.category == category]

    def get(self, template_id: str) -> Template:
        template = self.templates.get(template_id)
        if template is None:
            raise TemplateConfigError(f"unknown template {template_id!r}")
        return template

    def render(
        self,
        template_id: str,
        slots: dict[str, str],
        ticket_number: str,
        language: str = DEFAULT_LANGUAGE,
    ) -> str:
        """The reply in `language` (English when the template has no such translation)."""
        template = self.get(template_id)
        values = with_markers(template, clean_slots(template, slots))
        body = self._checked(template, language_of(template, language), values)
        if NUMBER_MARK not in body:
            return body
        return _with_number(body, _clean(ticket_number, 64))

    def _checked(
        self, template: Template, language: str, values: tuple[tuple[str, str], ...]
    ) -> str:
        """The template rendered with these slots, redacted as a whole: template files are ours,
        but promise 1 covers every output, including values that only leak side by side."""
        key = (template.id, language, values)
        body = self._rendered.get(key)
        if body is None:
            rendered = self.env.get_template(file_for(template, language)).render(
                **dict(values), ticket_number=NUMBER_MARK
            )
            body = redaction.redact(rendered).text
            if len(self._rendered) >= RENDER_CACHE_SIZE:
                self._rendered.clear()
            self._rendered[key] = body
        return body


def language_of(template: Template, wanted: str | None) -> str:
    """The language a reply from this template is written in: `wanted` if translated."""
    return wanted if wanted in template.languages else DEFAULT_LANGUAGE


def file_for(template: Template, language: str) -> str:
    return template.file if language == DEFAULT_LANGUAGE else f"{language}/{template.file}"


def marker(name: str) -> str:
    return f"[[{name}]]"


def with_markers(template: Template, values: dict[str, str]) -> tuple[tuple[str, str], ...]:
    """Cleaned values, and a visible marker for each required slot left empty."""
    filled = {k: v for k, v in values.items() if v}
    for slot in template.slots:
        if slot.required and slot.name not in filled:
            filled[slot.name] = marker(slot.name)
    return tuple(sorted(filled.items()))


def _with_number(body: str, number: str) -> str:
    """Put the (redacted) number in place of its mark.

    The rest of the body was checked when it was cached, and the number on its own. Whatever
    could newly form with the number has to touch it: card, IBAN and phone runs are under 45
    characters with their separators, and keys, tokens and emails are unbroken runs. So only
    NEIGHBOURHOOD characters on each side are checked, and any hit there means the whole body
    is redacted again.
    """
    joined = body.replace(NUMBER_MARK, number)
    shift = len(number) - len(NUMBER_MARK)
    for n, mark in enumerate(_positions(body, NUMBER_MARK)):
        start = mark + n * shift
        window = joined[max(0, start - NEIGHBOURHOOD) : start + len(number) + NEIGHBOURHOOD]
        if redaction.locate(window):
            return redaction.redact(joined).text
    return joined


def _positions(text: str, needle: str) -> list[int]:
    found, at = [], text.find(needle)
    while at >= 0:
        found.append(at)
        at = text.find(needle, at + len(needle))
    return found


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


def _languages(directory: Path, file: str) -> tuple[str, ...]:
    found = [lang for lang in TRANSLATIONS if (directory / lang / file).is_file()]
    return (DEFAULT_LANGUAGE, *found)


def _parse_template(raw: Any, directory: Path) -> Template:
    if not isinstance(raw, dict) or not all(raw.get(k) for k in ("id", "category", "file")):
        raise TemplateConfigError("each template needs id, category and file")
    tid = str(raw["id"])
    return Template(
        id=tid,
        category=str(raw["category"]),
        title=str(raw.get("title", tid)),
        file=str(raw["file"]),
        slots=tuple(_parse_slot(tid, s) for s in raw.get("slots") or ()),
        languages=_languages(directory, str(raw["file"])),
    )


def _check_variables(env: SandboxedEnvironment, template: Template) -> None:
    """Every variable a template reads must be a declared slot or supplied by the system."""
    for language in template.languages:
        source = source_of(env, file_for(template, language))
        used = meta.find_undeclared_variables(env.parse(source))
        unknown = used - {s.name for s in template.slots} - SYSTEM_VARIABLES
        if unknown:
            raise TemplateConfigError(
                f"template {template.id!r} ({language}) uses undeclared {sorted(unknown)}"
            )


def source_of(env: SandboxedEnvironment, file: str) -> str:
    return env.loader.get_source(env, file)[0]  # type: ignore[union-attr,no-any-return]


@lru_cache(maxsize=4)
def load_template_set(labels_dir: Path) -> TemplateSet:
    directory = labels.templates_dir(labels_dir)
    data = labels.templates_index(labels_dir).data or {}
    # Read once per process like index.yaml above: no stat() of the file on every render.
    env = SandboxedEnvironment(
        loader=FileSystemLoader(directory), autoescape=False, auto_reload=False
    )
    templates: dict[str, Template] = {}
    for raw in data.get("templates") or ():
        template = _parse_template(raw, directory)
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


def default_set() -> TemplateSet:
    return _default_set()


def render(
    template_id: str, slots: dict[str, str], ticket_number: str, language: str = DEFAULT_LANGUAGE
) -> str:
    return _default_set().render(template_id, slots, ticket_number, language)
