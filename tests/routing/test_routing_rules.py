from pathlib import Path

import pytest

from triage.routing import rules

LABELS = Path(__file__).parent / "labels"


def test_loads_routes_and_falls_back_to_default() -> None:
    routes = rules.load_routes(LABELS)
    settlement = routes.for_category("settlement_delay")
    assert settlement.team == "settlements"
    assert settlement.priority == "high"
    assert settlement.zendesk_group_id == 901
    assert settlement.zendesk_tags == ("cat_settlement_delay", "team_settlements")
    assert settlement.servicenow_assignment_group == "Settlements Team"
    assert routes.for_category("refund_issue") is routes.default
    assert routes.for_category(None).team == "triage_desk"
    assert routes.knows("fraud_risk") and not routes.knows("refund_issue")


def test_project_routing_file_covers_every_category() -> None:
    routes = rules.load_routes(Path(__file__).parents[2] / "labels")
    assert len(routes.by_category) == 12
    assert all(r.zendesk_group_id for r in routes.by_category.values())


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"routes": {}}, "default"),
        ({"default": {"team": "t", "priority": "asap"}, "routes": {}}, "priority"),
        ({"default": {"team": "t", "zendesk": {"group_id": "12"}}, "routes": {}}, "group_id"),
        ({"default": {"priority": "low"}, "routes": {}}, "team"),
    ],
)
def test_malformed_routing_is_rejected_with_the_field_named(raw: dict, message: str) -> None:
    with pytest.raises(rules.RoutingConfigError, match=message):
        rules.parse_routes(raw)
