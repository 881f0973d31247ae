"""Schemathesis over the OpenAPI schema: no generated request gets a 500."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import schemathesis
from hypothesis import HealthCheck
from hypothesis import settings as hsettings
from schemathesis.specs.openapi.schemas import BaseOpenAPISchema

from triage.config import Settings
from triage.main import create_app


@pytest.fixture
def api_schema(settings: Settings) -> Iterator[BaseOpenAPISchema]:
    app = create_app()
    yield schemathesis.openapi.from_asgi("/openapi.json", app)


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@hsettings(
    max_examples=25,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
def test_no_server_errors(case: schemathesis.Case) -> None:
    response = case.call()
    assert response.status_code < 500, f"{case.method} {case.path} -> {response.status_code}"
