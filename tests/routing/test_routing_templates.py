from pathlib import Path

import pytest
from jinja2.exceptions import SecurityError

from triage.routing import templates

LABELS = Path(__file__).parent / "labels"
PAN = "4111 1111 1111 1111"


def test_loads_templates_by_category() -> None:
    loaded = templates.load_templates(LABELS)
    assert set(loaded) == {"settlement_delay_fixture", "fraud_risk_fixture"}
    found = templates.load_template_set(LABELS).for_category("settlement_delay")
    assert [t.id for t in found] == ["settlement_delay_fixture"]
    batch = found[0].slot("batch_id")
    assert batch is not None and batch.max_length == 12


def test_render_uses_defaults_declared_slots_and_ticket_number() -> None:
    tset = templates.load_template_set(LABELS)
    text = tset.render("settlement_delay_fixture", {}, ticket_number="ZD-881")
    assert text.startswith("Hello there,")
    assert "(to be confirmed)" in text and "ZD-881" in text
    text = tset.render(
        "settlement_delay_fixture",
        {"merchant_name": "Backerei Sonnenschein GmbH", "batch_id": "B-2026-11-0042-X", "x": "y"},
        ticket_number="ZD-881",
    )
    assert "Hello Backerei Sonnenschei," in text  # cut to max_length 20
    assert "B-2026-11-00" in text and "B-2026-11-004" not in text


def test_slot_values_are_redacted_again() -> None:
    tset = templates.load_template_set(LABELS)
    text = tset.render("settlement_delay_fixture", {"merchant_name": PAN}, ticket_number="1")
    assert "4111" not in text


def test_template_reading_an_undeclared_variable_is_refused(tmp_path: Path) -> None:
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "t.j2").write_text("Hi {{ secret_field }} {{ ticket_number }}")
    (tmp_path / "templates" / "index.yaml").write_text(
        "templates:\n  - {id: t, category: fraud_risk, title: T, file: t.j2, slots: []}\n"
    )
    with pytest.raises(templates.TemplateConfigError, match="secret_field"):
        templates.load_template_set(tmp_path)


def test_rendering_is_sandboxed(tmp_path: Path) -> None:
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "t.j2").write_text("{{ ticket_number.__class__.__mro__ }}")
    (tmp_path / "templates" / "index.yaml").write_text(
        "templates:\n  - {id: t, category: fraud_risk, title: T, file: t.j2}\n"
    )
    with pytest.raises(SecurityError):
        templates.load_template_set(tmp_path).render("t", {}, ticket_number="1")


def test_project_templates_load() -> None:
    loaded = templates.load_templates(Path(__file__).parents[2] / "labels")
    assert {t.category for t in loaded.values()} >= {"settlement_delay", "fraud_risk"}


def _one_template(tmp_path: Path, source: str, slots: str = "[]") -> templates.TemplateSet:
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "t.j2").write_text(source)
    (tmp_path / "templates" / "index.yaml").write_text(
        f"templates:\n  - {{id: t, category: fraud_risk, title: T, file: t.j2, slots: {slots}}}\n"
    )
    return templates.load_template_set(tmp_path)


def test_values_that_only_form_a_card_side_by_side_are_redacted(tmp_path: Path) -> None:
    tset = _one_template(tmp_path, "Card {{ a }}{{ b }}", "[{name: a}, {name: b}]")
    text = tset.render("t", {"a": "4111 1111", "b": " 1111 1111"}, ticket_number="1")
    assert "4111" not in text and "[PAN ...1111]" in text


def test_ticket_number_next_to_template_digits_is_checked_with_them(tmp_path: Path) -> None:
    tset = _one_template(tmp_path, "Ref 4111 1111 1111 {{ ticket_number }} ok")
    assert "4111" not in tset.render("t", {}, ticket_number="1111")
    assert tset.render("t", {}, ticket_number="ZD-1").endswith("1111 ZD-1 ok")


def test_cached_renders_follow_the_ticket_number_and_stay_bounded(tmp_path: Path) -> None:
    tset = _one_template(tmp_path, "Hi {{ name }}, ticket {{ ticket_number }}.", "[{name: name}]")
    assert tset.render("t", {"name": "Ana"}, "A-1") == "Hi Ana, ticket A-1."
    assert tset.render("t", {"name": "Ana"}, "B-2") == "Hi Ana, ticket B-2."
    assert tset.render("t", {"name": "Bo"}, "B-2") == "Hi Bo, ticket B-2."
    for n in range(templates.RENDER_CACHE_SIZE + 5):
        tset.render("t", {"name": f"n{n}"}, "1")
    assert 0 < len(tset._rendered) <= templates.RENDER_CACHE_SIZE
