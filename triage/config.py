"""Settings, read only through get_settings(); environment prefix TRIAGE_."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SQLITE_URL = f"sqlite:///{PROJECT_ROOT / 'var' / 'triage.db'}"
UNSAFE_SECRETS = {"", "changeme", "secret", "dev", "test"}


class UnsafeConfigError(RuntimeError):
    """Raised at start-up when a production setting is missing or unsafe; names the setting."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TRIAGE_", env_file=None, extra="ignore")

    env: Literal["dev", "prod"] = "dev"
    database_url: str = DEFAULT_SQLITE_URL
    labels_dir: Path = PROJECT_ROOT / "labels"
    evals_dir: Path = PROJECT_ROOT / "evals"

    # Webhooks: comma-separated secrets allow rotation (old and new both verify).
    zendesk_webhook_secret: SecretStr | None = None
    servicenow_webhook_secret: SecretStr | None = None
    webhook_tolerance_seconds: int = 300
    max_body_bytes: int = 256 * 1024

    # Classifier and routing.
    target_precision: float = 0.97
    min_examples_per_category: int = 20
    shadow_enabled: bool = True

    # LLM fallback: off unless base URL and model are set.
    llm_base_url: str | None = None
    llm_api_key: SecretStr | None = None
    llm_model: str | None = None
    llm_mode: Literal["tools", "json"] = "tools"
    llm_confidence_threshold: float = 0.80
    llm_timeout_seconds: float = 20.0
    llm_max_retries: int = 3
    llm_backoff_base_seconds: float = 0.5
    llm_validation_retries: int = 2
    # What one call is sent: the templates of the classifier's first N categories, and at most
    # this many characters of ticket text (README: "Request size and budgets").
    llm_candidates: int = Field(default=2, ge=1)
    llm_max_ticket_chars: int = Field(default=1200, ge=200)
    llm_price_in_per_1k: float = 0.00015
    llm_price_out_per_1k: float = 0.0006
    # Sized in the README ("Request size and budgets") for 400 tickets a team a day.
    llm_team_daily_tokens: int = 400_000
    llm_team_monthly_tokens: int = 8_000_000
    llm_rate_limit_per_minute: int = 120
    llm_breaker_failures: int = 5
    llm_breaker_cooldown_seconds: float = 60.0

    # Write-back: off (dry run) unless configured.
    zendesk_base_url: str | None = None
    zendesk_email: str | None = None
    zendesk_api_token: SecretStr | None = None
    zendesk_category_field_id: int | None = None
    servicenow_base_url: str | None = None
    servicenow_username: str | None = None
    servicenow_password: SecretStr | None = None
    servicenow_bearer_token: SecretStr | None = None
    writeback_timeout_seconds: float = 10.0

    # Jobs.
    run_worker_in_process: bool = True
    job_lease_seconds: int = 60
    job_max_attempts: int = 6
    job_backoff_base_seconds: float = 2.0
    job_backoff_max_seconds: float = 600.0
    job_poll_seconds: float = 0.5
    # While this process is serving requests, its embedded worker runs one job per pause.
    worker_busy_pause_seconds: float = 5.0
    # `serve` on SQLite checkpoints the WAL from a thread this often; 0 leaves it to commits.
    sqlite_checkpoint_seconds: float = 1.0

    # Analyst UI and API.
    session_secret: SecretStr | None = None
    session_max_age_seconds: int = 8 * 3600
    cookie_secure: bool = False
    trusted_proxy_header: str | None = None

    log_level: str = "INFO"
    log_json: bool = True

    @field_validator("database_url")
    @classmethod
    def _normalise_postgres(cls, value: str) -> str:
        # psycopg 3 is the only PostgreSQL driver we ship; accept the plain scheme too.
        if value.startswith("postgresql://") or value.startswith("postgres://"):
            return "postgresql+psycopg://" + value.split("://", 1)[1]
        return value

    @property
    def llm_enabled(self) -> bool:
        return bool(self.llm_base_url and self.llm_model)

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    def secrets_for(self, source: str) -> list[bytes]:
        """The webhook secrets currently accepted for a source, newest first as configured."""
        raw = {"zendesk": self.zendesk_webhook_secret, "servicenow": self.servicenow_webhook_secret}
        value = raw.get(source)
        if value is None:
            return []
        parts = [p.strip() for p in value.get_secret_value().split(",")]
        return [p.encode() for p in parts if p]

    def check_production(self) -> None:
        """Refuse an unsafe production configuration, naming the first wrong setting."""
        if self.env != "prod":
            return
        for name in ("zendesk_webhook_secret", "servicenow_webhook_secret", "session_secret"):
            value: SecretStr | None = getattr(self, name)
            if value is None or value.get_secret_value().strip().lower() in UNSAFE_SECRETS:
                raise UnsafeConfigError(f"TRIAGE_{name.upper()} is missing or a default value")
            if name == "session_secret" and len(value.get_secret_value()) < 32:
                raise UnsafeConfigError("TRIAGE_SESSION_SECRET must be at least 32 characters")
        if self.is_sqlite:
            raise UnsafeConfigError("TRIAGE_DATABASE_URL must point at PostgreSQL in prod")
        if not self.cookie_secure:
            raise UnsafeConfigError("TRIAGE_COOKIE_SECURE must be true in prod")


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
