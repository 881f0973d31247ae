"""Development conveniences behind `make run`: local secrets, a first model, a sample webhook."""

from __future__ import annotations

import json
import os
import secrets
import time
from datetime import UTC, datetime
from pathlib import Path

import typer

from triage.config import PROJECT_ROOT, get_settings

DEV_SECRETS = PROJECT_ROOT / "var" / "dev-secrets.env"
SAMPLE_TICKET = (
    "Hi, our settlement for Friday still has not arrived in our bank account. The customer "
    "paid with card 4111 1111 1111 1111 exp 09/28 and we need the funds. Batch 2026-11-20."
)


def _load_dev_secrets(path: Path) -> dict[str, str]:
    if not path.exists():
        return {}
    pairs = (line.split("=", 1) for line in path.read_text().splitlines() if "=" in line)
    return {k.strip(): v.strip() for k, v in pairs}


def ensure_dev_secrets() -> dict[str, str]:
    """Generate local webhook and session secrets once, keep them in var/ (git-ignored)."""
    values = _load_dev_secrets(DEV_SECRETS)
    for name in (
        "TRIAGE_ZENDESK_WEBHOOK_SECRET",
        "TRIAGE_SERVICENOW_WEBHOOK_SECRET",
        "TRIAGE_SESSION_SECRET",
    ):
        values.setdefault(name, secrets.token_urlsafe(32))
    DEV_SECRETS.parent.mkdir(parents=True, exist_ok=True)
    DEV_SECRETS.write_text("".join(f"{k}={v}\n" for k, v in values.items()))
    DEV_SECRETS.chmod(0o600)
    for name, value in values.items():
        os.environ.setdefault(name, value)
    get_settings.cache_clear()
    return values


def bootstrap(host: str, port: int) -> None:
    settings = get_settings()
    if settings.env != "dev":
        raise typer.BadParameter("--bootstrap is for TRIAGE_ENV=dev only")
    ensure_dev_secrets()
    from triage.classify import tasks as training
    from triage.db.engine import session_scope

    with session_scope() as session:
        version = training.ensure_active(session, get_settings(), progress=typer.echo)
    typer.echo(f"active model: {version}")
    typer.echo(f"local secrets are in {DEV_SECRETS} (generated once, never committed)")
    typer.echo("send a sample webhook with a test card number in it:")
    typer.echo(f"  .venv/bin/triage send-sample --url http://{host}:{port}")
    typer.echo("create a lead to sign in to the analyst pages at the same address:")
    typer.echo("  .venv/bin/triage users create --email you@example.com --role lead")


def _signed_zendesk(body: bytes, secret: bytes) -> dict[str, str]:
    from triage.webhooks import signatures

    ts = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    sig = signatures.zendesk_signatures(secret, ts, body)[0]
    return {
        "X-Zendesk-Webhook-Signature": sig,
        "X-Zendesk-Webhook-Signature-Timestamp": ts,
    }


def _signed_servicenow(body: bytes, secret: bytes) -> dict[str, str]:
    from triage.webhooks import signatures

    ts = str(int(time.time()))
    return {
        "X-Triage-Timestamp": ts,
        "X-Triage-Signature": signatures.servicenow_signature(secret, ts, body),
    }


def sample_payload(source: str) -> dict[str, object]:
    stamp = str(int(time.time()))
    if source == "servicenow":
        return {
            "sys_id": f"sample{stamp}",
            "number": f"CS{stamp[-7:]}",
            "table": "sn_customerservice_case",
            "short_description": "Settlement not received",
            "description": SAMPLE_TICKET,
        }
    return {
        "id": f"sample-{stamp}",
        "type": "zen:event-type:ticket.created",
        "detail": {"id": stamp, "subject": "Settlement not received", "description": SAMPLE_TICKET},
    }


def send_sample(url: str, source: str) -> None:
    import httpx

    if source not in ("zendesk", "servicenow"):
        raise typer.BadParameter("source must be zendesk or servicenow")
    ensure_dev_secrets()
    secret = get_settings().secrets_for(source)[0]
    body = json.dumps(sample_payload(source)).encode()
    signer = _signed_zendesk if source == "zendesk" else _signed_servicenow
    headers = {"Content-Type": "application/json", **signer(body, secret)}
    response = httpx.post(f"{url.rstrip('/')}/webhooks/{source}", content=body, headers=headers)
    typer.echo(f"{response.status_code} {response.text}")
