"""`triage worker` and `triage jobs ...`. Heavy imports stay inside the functions."""

from __future__ import annotations

import json
import signal
import threading
from typing import Annotated, Any

import typer

jobs_app = typer.Typer(help="Inspect and retry background jobs.", no_args_is_help=True)


def _install_stop_signals(stop: threading.Event) -> None:
    def on_signal(signum: int, _frame: Any) -> None:
        # Finish the job in hand, then exit: a half-done write-back is never abandoned by choice.
        typer.echo(f"signal {signum}: finishing current jobs, then exiting", err=True)
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)


def worker(
    concurrency: Annotated[int, typer.Option(min=1, max=64, help="Worker threads.")] = 1,
    once: Annotated[bool, typer.Option(help="Drain the due jobs, then exit.")] = False,
) -> None:
    """Run job workers (write-back, LLM fallback) against the configured database."""
    from triage.jobs.worker import run_workers

    stop = threading.Event()
    _install_stop_signals(stop)
    outcome: dict[str, Any] = {}
    runner = threading.Thread(
        target=lambda: outcome.update(run_workers(concurrency, stop, once=once)), daemon=False
    )
    runner.start()
    # The main thread only waits, so signal handlers run promptly.
    while runner.is_alive():
        runner.join(timeout=0.5)
    typer.echo(json.dumps(outcome))


def _job_row(job: Any) -> dict[str, Any]:
    return {
        "id": job.id,
        "kind": job.kind,
        "ticket_id": job.ticket_id,
        "status": job.status,
        "attempts": job.attempts,
        "max_attempts": job.max_attempts,
        "run_at": job.run_at.isoformat(),
        "last_error": job.last_error,
    }


@jobs_app.command("list")
def list_jobs(
    status: Annotated[str | None, typer.Option(help="queued, running, done or dead.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=10_000)] = 100,
) -> None:
    """List jobs, newest first, one JSON object per line."""
    from triage.db.engine import import_models, session_scope
    from triage.jobs import queue

    import_models()
    with session_scope() as session:
        for job in queue.list_jobs(session, status=status, limit=limit):
            typer.echo(json.dumps(_job_row(job)))


@jobs_app.command("retry")
def retry_job(
    job_id: Annotated[int, typer.Argument(help="The dead job's id.")],
    actor: Annotated[str, typer.Option(help="Who retries it (for the audit log).")] = "cli",
) -> None:
    """Send a dead job back to the queue with fresh attempts (audited)."""
    from triage.db.engine import import_models, session_scope
    from triage.errors import TriageError
    from triage.jobs import queue

    import_models()
    try:
        with session_scope() as session:
            job = queue.retry(session, job_id, actor=f"cli:{actor}")
            typer.echo(json.dumps(_job_row(job)))
    except TriageError as exc:
        typer.echo(exc.message, err=True)
        raise typer.Exit(code=1) from None
