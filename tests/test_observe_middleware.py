"""The observing middleware: request id, security headers, log context and latency per route."""

from __future__ import annotations

import uuid

import pytest
from fastapi import FastAPI
from fastapi.responses import JSONResponse, PlainTextResponse
from fastapi.testclient import TestClient
from prometheus_client import REGISTRY

from triage import logs
from triage.config import get_settings
from triage.main import SECURITY_HEADERS, ObserveMiddleware


def _app() -> FastAPI:
    app = FastAPI()
    app.add_middleware(ObserveMiddleware)

    @app.get("/items/{item_id}")
    def item(item_id: int) -> JSONResponse:
        return JSONResponse({"item": item_id, "request_id": logs.REQUEST_ID.get()})

    @app.get("/framed")
    def framed() -> PlainTextResponse:
        return PlainTextResponse("ok", headers={"X-Frame-Options": "SAMEORIGIN"})

    return app


def _count(path: str, status: str) -> float:
    labels = {"method": "GET", "route": path, "status": status}
    return REGISTRY.get_sample_value("triage_http_request_seconds_count", labels) or 0.0


def test_request_id_is_echoed_and_visible_to_the_logs() -> None:
    client = TestClient(_app())
    response = client.get("/items/7", headers={"X-Request-ID": "r" * 64})
    assert response.headers["x-request-id"] == "r" * 64
    assert response.json() == {"item": 7, "request_id": "r" * 64}
    assert logs.REQUEST_ID.get() is None


@pytest.mark.parametrize(
    "sent",
    ["r" * 65, "4111111111111111", "4111-1111-1111-1111", "a b", "x\u202e1", "id;drop", "é"],
)
def test_a_request_id_that_is_not_a_short_token_is_replaced(sent: str) -> None:
    response = TestClient(_app()).get("/items/1", headers={"X-Request-ID": sent.encode()})
    made_up = response.headers["x-request-id"]
    assert made_up != sent and len(made_up) == 32 and response.json()["request_id"] == made_up


def test_a_request_id_is_made_up_when_none_is_sent() -> None:
    client = TestClient(_app())
    response = client.get("/items/1")
    made_up = response.headers["x-request-id"]
    assert len(made_up) == 32 and response.json()["request_id"] == made_up
    assert uuid.UUID(made_up).version == 4
    assert client.get("/items/1").headers["x-request-id"] != made_up


def test_security_headers_never_override_the_route_s_own() -> None:
    client = TestClient(_app())
    plain = client.get("/items/1")
    for name, value in SECURITY_HEADERS.items():
        assert plain.headers[name] == value
    framed = client.get("/framed")
    assert framed.headers["x-frame-options"] == "SAMEORIGIN"
    assert framed.headers["content-security-policy"] == SECURITY_HEADERS["Content-Security-Policy"]


def test_latency_is_recorded_per_route_template_and_status() -> None:
    client = TestClient(_app())
    before_item = _count("/items/{item_id}", "200")
    before_missing = _count("unmatched", "404")
    client.get("/items/3")
    client.get("/nowhere")
    assert _count("/items/{item_id}", "200") > before_item
    assert _count("unmatched", "404") > before_missing
    assert client.get("/nowhere").headers["x-content-type-options"] == "nosniff"


@pytest.mark.parametrize(("env", "hsts"), [("prod", True), ("dev", False)])
def test_hsts_is_sent_in_prod_only(monkeypatch: pytest.MonkeyPatch, env: str, hsts: bool) -> None:
    monkeypatch.setenv("TRIAGE_ENV", env)
    get_settings.cache_clear()
    try:
        headers = TestClient(_app()).get("/items/1").headers
    finally:
        get_settings.cache_clear()
    assert ("strict-transport-security" in headers) is hsts
    if hsts:
        assert headers["strict-transport-security"].startswith("max-age=31536000")
