"""`triage compare` and `triage shadow`. Heavy imports stay inside the commands."""

from __future__ import annotations

import getpass
import json
from typing import Annotated, Any

import typer


def _fail(message: str) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(2)


def _cell(side: dict[str, Any] | None, set_name: str, key: str) -> str:
    figures = side.get(set_name) if side else None
    return "-" if not figures else f"{figures[key]:g}"


def side_by_side(result: dict[str, Any]) -> list[str]:
    """The comparison as aligned text: one block per evaluation set, then the gate verdict."""
    candidate, baseline = result["candidate"], result["baseline"]
    base = f"{baseline['status']} {baseline['version']}" if baseline else "(no active model)"
    lines = [f"candidate {candidate['version']}  vs  {base}"]
    from triage.classify.evaluate import SUMMARY_KEYS

    for set_name, title in (("golden", "golden set"), ("holdout", "held-out corrections")):
        lines.append("")
        lines.append(f"{title} (n={result[f'{set_name}_n']})")
        lines.append(f"  {'metric':16s} {'candidate':>10s} {'active':>10s} {'change':>9s}")
        for key in SUMMARY_KEYS:
            delta = result["delta"][set_name].get(key)
            change = "" if delta is None else f"{delta:+.4f}"
            lines.append(
                f"  {key:16s} {_cell(candidate, set_name, key):>10s} "
                f"{_cell(baseline, set_name, key):>10s} {change:>9s}"
            )
    lines.append("")
    failures = candidate["gate_failures"]
    lines.append("gates: pass" if not failures else "gates: FAIL - " + "; ".join(failures))
    return lines


def compare(
    version: Annotated[str, typer.Argument(help="the candidate version id")],
    against: Annotated[
        str | None, typer.Option("--against", help="compare with this version (default: active)")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print one JSON object")] = False,
) -> None:
    """Candidate against the active model on evals/golden and on held-out recent corrections."""
    from triage.classify import compare as comparison
    from triage.db.engine import session_scope
    from triage.errors import TriageError

    try:
        with session_scope() as session:
            result = comparison.compare(session, version, against)
    except TriageError as exc:
        raise _fail(exc.message) from None
    if as_json:
        typer.echo(json.dumps(result))
        return
    for line in side_by_side(result):
        typer.echo(line)


def shadow(
    version: Annotated[str | None, typer.Argument(help="the candidate to run in shadow")] = None,
    off: Annotated[bool, typer.Option("--off", help="stop shadow mode")] = False,
    actor: Annotated[str | None, typer.Option("--actor", help="who is acting (audit log)")] = None,
) -> None:
    """Run a candidate in shadow beside the active model (records, never routes), or --off."""
    from triage.classify import shadow as shadow_mode
    from triage.db.engine import session_scope
    from triage.errors import TriageError
    from triage.ops import shadow as shadow_report

    if off == (version is not None):
        raise typer.BadParameter("give a VERSION or --off, not both and not neither")
    try:
        with session_scope() as session:
            row = shadow_mode.set_shadow(session, version, actor or f"cli:{getpass.getuser()}")
            stats = shadow_report.stats(session, row.id) if row is not None else None
    except TriageError as exc:
        raise _fail(exc.message) from None
    if row is None:
        typer.echo("shadow mode is off")
        return
    assert stats is not None
    typer.echo(f"{row.id} now runs in shadow ({stats['predictions']} predictions so far)")
