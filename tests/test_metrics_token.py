"""/metrics is public in dev unless TRIAGE_METRICS_TOKEN is set; then only its Bearer reads it."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from triage.config import Settings, get_settings
from triage.main import create_app

TOKEN = "m3tr1cs-scraper-token-0a9b8c7d6e5f4g3h"


def test_metrics_need_the_bearer_token_when_one_is_set(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRIAGE_METRICS_TOKEN", TOKEN)
    get_settings.cache_clear()
    with TestClient(create_app()) as client:
        assert client.get("/metrics").status_code == 401
        wrong = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}x"})
        assert wrong.status_code == 401
        basic = client.get("/metrics", headers={"Authorization": f"Basic {TOKEN}"})
        assert basic.status_code == 401
        scraped = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
        assert scraped.status_code == 200 and "triage_" in scraped.text


def test_metrics_are_open_without_a_token(settings: Settings) -> None:
    with TestClient(create_app()) as client:
        assert client.get("/metrics").status_code == 200
