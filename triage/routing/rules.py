"""Routing rules from labels/routing.yaml: which team, queue and tags each category gets."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from triage import labels

PRIORITIES = ("low", "normal", "high", "urgent")
# Used when routing.yaml sets no `sla_hours`: how long a ticket of each priority may wait.
DEFAULT_SLA_HOURS = {"urgent": 2.0, "high": 8.0, "normal": 24.0, "low": 72.0}


class RoutingConfigError(ValueError):
    """routing.yaml is malformed; the message names the entry and field."""


@dataclass(frozen=True)
class Route:
    team: str
    priority: str
    zendesk_group_id: int | None
    zendesk_tags: tuple[str, ...]
    servicenow_assignment_group: str | None
    servicenow_category: str | None


@dataclass(frozen=True)
class Routes:
    default: Route
    by_category: dict[str, Route]
    sla_hours: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_SLA_HOURS))

    def for_category(self, category: str | None) -> Route:
        """The category's route; the default (review) route for an unknown or missing category."""
        if category is None:
            return self.default
        return self.by_category.get(category, self.default)

    def knows(self, category: str | None) -> bool:
        return category is not None and category in self.by_category


def _parse_route(name: str, raw: Any) -> Route:
    if not isinstance(raw, dict):
        raise RoutingConfigError(f"route {name!r} must be a mapping")
    team = raw.get("team")
    priority = raw.get("priority", "normal")
    if not isinstance(team, str) or not team:
        raise RoutingConfigError(f"route {name!r}: team is required")
    if priority not in PRIORITIES:
        raise RoutingConfigError(f"route {name!r}: priority must be one of {PRIORITIES}")
    zendesk = raw.get("zendesk") or {}
    servicenow = raw.get("servicenow") or {}
    group_id = zendesk.get("group_id")
    if group_id is not None and not isinstance(group_id, int):
        raise RoutingConfigError(f"route {name!r}: zendesk.group_id must be an integer")
    return Route(
        team=team,
        priority=priority,
        zendesk_group_id=group_id,
        zendesk_tags=tuple(str(t) for t in zendesk.get("tags") or ()),
        servicenow_assignment_group=servicenow.get("assignment_group"),
        servicenow_category=servicenow.get("category"),
    )


def parse_routes(data: Any) -> Routes:
    if not isinstance(data, dict) or "default" not in data:
        raise RoutingConfigError("routing.yaml needs a `default` route and a `routes` mapping")
    routes = data.get("routes") or {}
    if not isinstance(routes, dict):
        raise RoutingConfigError("`routes` must map category ids to routes")
    return Routes(
        default=_parse_route("default", data["default"]),
        by_category={str(k): _parse_route(str(k), v) for k, v in routes.items()},
        sla_hours=_parse_sla(data.get("sla_hours")),
    )


def _parse_sla(raw: Any) -> dict[str, float]:
    """First-response targets in hours per priority; unset priorities keep the defaults."""
    if raw is None:
        return dict(DEFAULT_SLA_HOURS)
    if not isinstance(raw, dict) or not set(raw) <= set(PRIORITIES):
        raise RoutingConfigError(f"`sla_hours` must map priorities {PRIORITIES} to hours")
    hours = dict(DEFAULT_SLA_HOURS)
    for priority, value in raw.items():
        if not isinstance(value, int | float) or isinstance(value, bool) or value <= 0:
            raise RoutingConfigError(f"sla_hours.{priority} must be a positive number of hours")
        hours[str(priority)] = float(value)
    return hours


@lru_cache(maxsize=4)
def load_routes(labels_dir: Path) -> Routes:
    """Parse labels_dir/routing.yaml (cached per directory; the file changes only on deploy)."""
    return parse_routes(labels.routing(labels_dir).data)
