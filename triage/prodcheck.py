"""What `TRIAGE_ENV=prod` refuses at start-up; each refusal names the setting to fix."""

from __future__ import annotations

from urllib.parse import urlsplit

from pydantic import SecretStr

from triage.config import Settings, UnsafeConfigError

MIN_SECRET_LENGTH = 32
# A random 32-character secret has far more; a padded word or a repeated pattern has fewer.
MIN_DISTINCT_CHARACTERS = 10
KNOWN_DEFAULTS = {"changeme", "secret", "dev", "test", "password", "zd-test-secret"}
SECRETS = ("zendesk_webhook_secret", "servicenow_webhook_secret", "session_secret")
URLS = ("zendesk_base_url", "servicenow_base_url", "llm_base_url")


def check(settings: Settings) -> None:
    if settings.env != "prod":
        return
    for name in SECRETS:
        _strong(name, getattr(settings, name), rotation=name != "session_secret")
    _strong("metrics_token", settings.metrics_token, rotation=False)
    if settings.is_sqlite:
        raise UnsafeConfigError("TRIAGE_DATABASE_URL must point at PostgreSQL in prod")
    if not settings.cookie_secure:
        raise UnsafeConfigError("TRIAGE_COOKIE_SECURE must be true in prod")
    if settings.trusted_proxy_header and not settings.trusted_proxies:
        raise UnsafeConfigError(
            "TRIAGE_TRUSTED_PROXIES must list the identity proxy's addresses when "
            "TRIAGE_TRUSTED_PROXY_HEADER is set"
        )
    for name in URLS:
        _secure_url(name, getattr(settings, name), settings.plain_http_hosts)


def weak(value: str) -> bool:
    lowered = value.strip().lower()
    return (
        len(value) < MIN_SECRET_LENGTH
        or lowered in KNOWN_DEFAULTS
        or len(set(value)) < MIN_DISTINCT_CHARACTERS
    )


def _strong(name: str, value: SecretStr | None, *, rotation: bool) -> None:
    setting = f"TRIAGE_{name.upper()}"
    if value is None or not value.get_secret_value().strip():
        raise UnsafeConfigError(f"{setting} is missing")
    # A rotation list is only as strong as its weakest entry: every one of them verifies.
    parts = value.get_secret_value().split(",") if rotation else [value.get_secret_value()]
    for n, part in enumerate(parts, start=1):
        if weak(part.strip()):
            where = f" (entry {n} of {len(parts)})" if len(parts) > 1 else ""
            raise UnsafeConfigError(
                f"{setting}{where} is empty, a known default or weak: each secret needs at "
                f"least {MIN_SECRET_LENGTH} random characters"
            )


def _secure_url(name: str, url: str | None, plain_http_hosts: list[str]) -> None:
    if not url:
        return
    parts = urlsplit(url)
    setting = f"TRIAGE_{name.upper()}"
    if parts.scheme == "https":
        return
    if parts.scheme == "http" and parts.hostname in plain_http_hosts:
        return
    raise UnsafeConfigError(
        f"{setting} must be https:// in prod (plain http:// only for hosts listed in "
        "TRIAGE_PLAIN_HTTP_HOSTS)"
    )
