"""`triage eval`: the classifier's metrics on labelled files and, with --llm, the whole cascade
(classifier -> LLM -> routing) with its tokens and cost. It lives here because it reaches both
the classifier and the LLM; classify/ stays free of the LLM."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from triage.classify.commands import (
    DataFiles,
    GateOption,
    JsonOption,
    ModelOption,
    MoreFiles,
    errors,
    evaluate_files,
    fail_gates,
    print_metrics,
)

if TYPE_CHECKING:
    from triage.classify.classifier import TrainedModel


def eval(
    data: DataFiles,
    model: ModelOption = None,
    as_json: JsonOption = False,
    gate: GateOption = None,
    llm: Annotated[bool, typer.Option("--llm", help="also evaluate the LLM cascade")] = False,
    more: MoreFiles = None,
) -> None:
    """Evaluate a model on labelled data: accuracy, macro F1, auto-routing, ECE."""
    files = [*data, *(more or [])]
    with errors():
        loaded, result, failures = evaluate_files(files, model, gate)
        if llm:
            result["cascade"] = _cascade(loaded, files)
    if as_json:
        typer.echo(json.dumps(result, default=str))
    else:
        print_metrics(result)
        if llm:
            _print_cascade(result["cascade"])
    fail_gates(failures)


def _cascade(model: TrainedModel, files: list[Path]) -> dict[str, Any]:
    from triage.classify import data
    from triage.config import get_settings
    from triage.llm import cascade

    settings = get_settings()
    if not settings.llm_enabled:
        typer.echo(
            "error: --llm needs an endpoint: set TRIAGE_LLM_BASE_URL and TRIAGE_LLM_MODEL "
            "(and TRIAGE_LLM_API_KEY if it asks for one)",
            err=True,
        )
        raise typer.Exit(2)
    rows = [row for path in files for row in data.read_rows(path)]
    typer.echo(f"running {len(rows)} rows through classifier -> LLM -> routing", err=True)
    result: dict[str, Any] = cascade.evaluate(model, rows, settings)
    return result


def _print_cascade(cascade: dict[str, Any]) -> None:
    typer.echo("\ncascade (classifier -> LLM -> routing)")
    for key, value in cascade.items():
        typer.echo(f"{key:28s} {value}")
