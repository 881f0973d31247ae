"""Schemathesis over the OpenAPI schema: no generated request to any operation gets a 500."""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings

from triage.config import Settings
from triage.main import create_app


def test_no_operation_answers_500(settings: Settings) -> None:
    schema = schemathesis.openapi.from_asgi("/openapi.json", create_app())
    failures: list[str] = []
    checked = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        checked += 1

        @given(case=operation.as_strategy())
        @hsettings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
        def call(case: schemathesis.Case) -> None:
            response = case.call()
            not_ready = case.formatted_path == "/readyz" and response.status_code == 503
            if response.status_code >= 500 and not not_ready:
                failures.append(f"{case.method} {case.formatted_path} -> {response.status_code}")

        call()
    assert checked >= 10
    assert failures == []
