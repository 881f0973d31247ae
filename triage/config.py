"""Settings, read only through get_settings(); environment prefix TRIAGE_."""

from __future__ import annotations

import ipaddress
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SQLITE_URL = f"sqlite:///{PROJECT_ROOT / 'var' / 'triage.db'}"
CommaList = Annotated[list[str], NoDecode]


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

    # Slow clients (triage/server.py): deadlines on headers, bodies and idle connections.
    header_timeout_seconds: float = 10.0
    body_timeout_seconds: float = 20.0
    keep_alive_seconds: int = 5

    # Classifier and routing.
    target_precision: float = 0.97
    min_examples_per_category: int = 20
    # Off by default: keep examples of one label at least this alike (word TF-IDF cosine) in
    # one cross-validation fold, for training data full of near-paraphrases (classify/folds.py).
    paraphrase_similarity: float | None = Field(default=None, gt=0.0, le=1.0)
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
    # Where a retried write-back looks for its note: the record's journal (needs only the
    # record) or sys_journal_field (often denied to integration users; see the README).
    servicenow_dedupe: Literal["record_journal", "journal_table"] = "record_journal"
    writeback_timeout_seconds: float = 10.0

    # Jobs.
    run_worker_in_process: bool = True
    job_lease_seconds: int = 60
    job_max_attempts: int = 6
    job_backoff_base_seconds: float = 2.0
    job_backoff_max_seconds: float = 600.0
    job_poll_seconds: float = 0.5
    # Periodic passes of each worker (spike detection queues its jobs from one).
    job_periodic_seconds: float = Field(default=20.0, gt=0)
    # How long after its lease expired a job may be taken over; unset: the write-back timeout,
    # after which no write of a crashed worker can still be in flight.
    job_takeover_grace_seconds: float | None = None
    # While this process is serving requests, its embedded worker runs one job per pause.
    worker_busy_pause_seconds: float = 5.0
    # Jobs a worker claims per round trip; their completions are recorded together too.
    worker_batch_size: Annotated[int, Field(ge=1, le=256)] = 16
    # After a claim that found fewer due jobs than a batch, a worker waits this long before the
    # next, so that under a steady trickle it claims many jobs per round trip, not one.
    worker_linger_seconds: float = Field(default=0.2, ge=0)
    # PostgreSQL connections per process: kept open, and borrowed beyond that under bursts.
    db_pool_size: Annotated[int, Field(ge=1, le=1000)] = 10
    db_max_overflow: Annotated[int, Field(ge=0, le=1000)] = 10
    # psycopg prepares a statement after this many runs; "none" never does (PgBouncer in
    # transaction mode, where the next transaction may run on another server connection).
    db_prepare_threshold: int | None = 5
    # `serve` on SQLite checkpoints the WAL from a thread this often; 0 leaves it to commits.
    sqlite_checkpoint_seconds: float = 1.0

    # Incidents: spike detection (see triage/incidents/detection.py for the test).
    incident_window_minutes: int = Field(default=15, ge=1, le=24 * 60)
    incident_alpha: float = Field(default=0.05, gt=0, lt=1)  # false alarms per day, at most
    incident_min_merchants: int = Field(default=5, ge=1)
    incident_floor_per_hour: float = Field(default=4.0, gt=0)
    incident_baseline_weeks: int = Field(default=4, ge=1, le=52)
    incident_webhook_url: str | None = None
    incident_webhook_secret: SecretStr | None = None
    incident_servicenow_field: str | None = None

    # Analyst UI and API.
    session_secret: SecretStr | None = None
    session_max_age_seconds: int = 8 * 3600
    cookie_secure: bool = False
    trusted_proxy_header: str | None = None
    # Addresses or networks (CIDR) of the identity proxy; its header is trusted from these only.
    trusted_proxies: CommaList = []
    # Failed sign-ins and bad Bearer tokens per client address and per account (auth/limits.py).
    auth_failures_per_minute: int = 10

    # Operations: /metrics needs this Bearer token when set (required in prod).
    metrics_token: SecretStr | None = None
    # Hosts that write-back and LLM URLs may reach over plain http:// in prod (internal only).
    plain_http_hosts: CommaList = []

    # Traces: off unless an OTLP/HTTP endpoint is set (e.g. http://collector:4318/v1/traces).
    otel_endpoint: str | None = None
    otel_service: str = "triage"

    log_level: str = "INFO"
    log_json: bool = True

    @field_validator("trusted_proxies", "plain_http_hosts", mode="before")
    @classmethod
    def _split(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("trusted_proxies")
    @classmethod
    def _networks(cls, value: list[str]) -> list[str]:
        for entry in value:
            ipaddress.ip_network(entry, strict=False)  # ValueError names the setting
        return value

    @field_validator("db_prepare_threshold", mode="before")
    @classmethod
    def _none_means_never(cls, value: object) -> object:
        if isinstance(value, str) and value.strip().lower() in ("", "none", "null"):
            return None
        return value

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
    def takeover_grace_seconds(self) -> float:
        if self.job_takeover_grace_seconds is not None:
            return self.job_takeover_grace_seconds
        return self.writeback_timeout_seconds

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
        from triage import prodcheck  # it reads Settings; imported late to avoid a cycle

        prodcheck.check(self)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
