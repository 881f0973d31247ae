"""The `triage` command line. Heavy modules are imported inside commands so `redact` starts fast."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from triage import devtools
from triage.classify import commands as classify_commands
from triage.jobs import commands as jobs_commands
from triage.llm import commands as llm_commands
from triage.ops import commands as ops_commands

app = typer.Typer(no_args_is_help=True, add_completion=False, help="Triage merchant tickets.")
users_app = typer.Typer(no_args_is_help=True, help="Manage analysts, leads and admins.")
app.add_typer(users_app, name="users")
app.command("worker")(jobs_commands.worker)
app.add_typer(jobs_commands.jobs_app, name="jobs")
app.command("train")(classify_commands.train)
app.command("eval")(llm_commands.eval)
app.command("classify")(classify_commands.classify)
app.command("promote")(classify_commands.promote)
app.command("rollback")(classify_commands.rollback)
app.command("compare")(ops_commands.compare)
app.command("shadow")(ops_commands.shadow)


@app.command()
def migrate() -> None:
    """Upgrade the database to the latest migration."""
    from triage import migrate as migrations
    from triage.config import get_settings

    url = get_settings().database_url
    migrations.upgrade(url)
    typer.echo(f"database at head ({migrations.head_revision(url)})")


@app.command()
def serve(
    host: str = "127.0.0.1",
    port: int = 8000,
    bootstrap: Annotated[
        bool, typer.Option(help="dev only: create local secrets and the first model if missing")
    ] = False,
) -> None:
    """Run the API (and, by default, one job worker in the same process)."""
    import uvicorn

    if bootstrap:
        devtools.bootstrap(host, port)
    uvicorn.run("triage.main:create_app", factory=True, host=host, port=port, log_config=None)


@app.command()
def redact(
    jsonl: Annotated[bool, typer.Option("--jsonl", help="one JSON object per line")] = False,
) -> None:
    """Read text on stdin, write it redacted (PANs, secrets, CVV, expiry, IBAN, email, phone)."""
    from triage.redaction import cli as redaction_cli

    # Reconfigures stdin for bad UTF-8 (replaced, never fatal), a BOM and "\r\n".
    redaction_cli.run_stdio(sys.stdin, sys.stdout, jsonl=jsonl)


@app.command("send-sample")
def send_sample(
    url: str = "http://127.0.0.1:8000",
    source: Annotated[str, typer.Option(help="zendesk or servicenow")] = "zendesk",
) -> None:
    """Sign and send a sample ticket (with a test card number in it) to a running service."""
    devtools.send_sample(url, source)


@users_app.command("create")
def users_create(
    email: Annotated[str, typer.Option(help="the user's email")],
    role: Annotated[str, typer.Option(help="analyst, lead or admin")] = "analyst",
    team: Annotated[list[str] | None, typer.Option(help="team id; repeat for several")] = None,
) -> None:
    """Create a user and print their one-time API token (stored only as a hash)."""
    from triage.auth import service
    from triage.db.engine import session_scope
    from triage.errors import TriageError

    try:
        with session_scope() as session:
            user, token = service.create_user(session, email, role, team or [])
    except TriageError as exc:
        typer.echo(f"error: {exc.message}", err=True)
        raise typer.Exit(2) from None
    typer.echo(f"created {user.email} ({user.role}; teams: {', '.join(user.teams) or '-'})")
    typer.echo(f"API token (shown once): {token}")


def main() -> None:
    app()
