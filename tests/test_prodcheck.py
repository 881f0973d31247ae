"""TRIAGE_ENV=prod refuses weak or unsafe settings at start-up, naming the setting."""

from __future__ import annotations

import secrets
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from triage.config import Settings, UnsafeConfigError, get_settings
from triage.main import create_app

PG = "postgresql://triage@db.internal/triage"


def strong() -> str:
    return secrets.token_urlsafe(32)


def prod(**overrides: object) -> Settings:
    values: dict[str, object] = {
        "env": "prod",
        "database_url": PG,
        "zendesk_webhook_secret": strong(),
        "servicenow_webhook_secret": f"{strong()},{strong()}",
        "session_secret": strong(),
        "metrics_token": strong(),
        "cookie_secure": True,
        "zendesk_base_url": "https://acme.zendesk.com",
        "servicenow_base_url": "https://acme.service-now.com",
        "llm_base_url": "https://api.openai.com/v1",
    } | overrides
    return Settings(**values)  # type: ignore[arg-type]


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    import os

    for key in list(os.environ):
        if key.startswith("TRIAGE_"):
            monkeypatch.delenv(key)
    yield
    get_settings.cache_clear()


def test_a_strong_production_configuration_starts() -> None:
    prod().check_production()
    prod(llm_base_url="http://vllm.internal:8000/v1", plain_http_hosts=["vllm.internal"])
    prod(trusted_proxy_header="X-Forwarded-Email", trusted_proxies=["10.0.0.0/8"])


@pytest.mark.parametrize(
    "value",
    [
        "{strong},dev",
        "dev,{strong}",
        "x",
        ",",
        "{strong},",
        "{strong}, ",
        "changeme",
        "a" * 40,
        "abcdefgh" * 5,
        "zd-test-secret",
        "short-but-random-9f8a7",
    ],
)
@pytest.mark.parametrize("setting", ["zendesk_webhook_secret", "servicenow_webhook_secret"])
def test_a_weak_secret_anywhere_in_a_rotation_list_is_refused(setting: str, value: str) -> None:
    settings = prod(**{setting: value.replace("{strong}", strong())})
    with pytest.raises(UnsafeConfigError) as refused:
        settings.check_production()
    assert f"TRIAGE_{setting.upper()}" in str(refused.value)


@pytest.mark.parametrize(
    ("overrides", "named"),
    [
        ({"session_secret": "s" * 40}, "TRIAGE_SESSION_SECRET"),
        ({"session_secret": f"{strong()[:20]}"}, "TRIAGE_SESSION_SECRET"),
        ({"zendesk_webhook_secret": None}, "TRIAGE_ZENDESK_WEBHOOK_SECRET"),
        ({"metrics_token": None}, "TRIAGE_METRICS_TOKEN"),
        ({"metrics_token": "metrics"}, "TRIAGE_METRICS_TOKEN"),
        ({"database_url": "sqlite:///x.db"}, "TRIAGE_DATABASE_URL"),
        ({"cookie_secure": False}, "TRIAGE_COOKIE_SECURE"),
        ({"trusted_proxy_header": "X-Forwarded-Email"}, "TRIAGE_TRUSTED_PROXIES"),
        ({"zendesk_base_url": "http://acme.zendesk.com"}, "TRIAGE_ZENDESK_BASE_URL"),
        ({"servicenow_base_url": "http://sn.internal"}, "TRIAGE_SERVICENOW_BASE_URL"),
        ({"llm_base_url": "http://vllm.internal/v1"}, "TRIAGE_LLM_BASE_URL"),
        (
            {"llm_base_url": "http://evil.example/v1", "plain_http_hosts": ["vllm.internal"]},
            "TRIAGE_LLM_BASE_URL",
        ),
        ({"llm_base_url": "ftp://files.example/v1"}, "TRIAGE_LLM_BASE_URL"),
    ],
)
def test_each_unsafe_setting_is_refused_by_name(overrides: dict, named: str) -> None:
    with pytest.raises(UnsafeConfigError) as refused:
        prod(**overrides).check_production()
    assert named in str(refused.value)


def test_dev_accepts_what_prod_refuses() -> None:
    prod(env="dev", zendesk_webhook_secret="dev", llm_base_url="http://x/v1").check_production()


def test_the_service_refuses_to_start(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRIAGE_ENV", "prod")
    monkeypatch.setenv("TRIAGE_DATABASE_URL", PG)
    monkeypatch.setenv("TRIAGE_ZENDESK_WEBHOOK_SECRET", f"{strong()},dev")
    get_settings.cache_clear()
    refused = pytest.raises(UnsafeConfigError, match="TRIAGE_ZENDESK_WEBHOOK_SECRET")
    with refused, TestClient(create_app()):
        pass


def test_trusted_proxies_must_be_addresses_or_networks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRIAGE_TRUSTED_PROXIES", "10.0.0.1,proxy.internal")
    with pytest.raises(ValueError, match="trusted_proxies"):
        Settings()
