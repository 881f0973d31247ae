"""`triage train | eval | classify | promote | rollback`. Heavy imports stay inside the commands."""

from __future__ import annotations

import getpass
import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from triage.classify.classifier import TrainedModel

ModelOption = Annotated[
    str | None, typer.Option("--model", help="model directory or version id (default: active)")
]
# `--data labels/data/*.jsonl` expands to one --data and more paths: take those as files too.
MoreFiles = Annotated[
    list[Path] | None, typer.Argument(help="more JSON Lines files (a shell glob after --data)")
]
ActorOption = Annotated[str | None, typer.Option("--actor", help="who is acting (audit log)")]


def _progress(message: str) -> None:
    typer.echo(message, err=True)


def _actor(actor: str | None) -> str:
    return actor or f"cli:{getpass.getuser()}"


@contextmanager
def errors() -> Iterator[None]:
    """Expected failures print one line and exit 2 instead of a traceback."""
    from triage.errors import TriageError

    try:
        yield
    except TriageError as exc:
        typer.echo(f"error: {exc.message}", err=True)
        raise typer.Exit(2) from None


def _train_to_dir(files: list[Path], taxonomy: Path | None, out: Path) -> None:
    from triage.classify import artefact, data, registry, train
    from triage.config import get_settings

    settings = get_settings()
    _progress(f"reading {len(files)} file(s)")
    examples = data.deduplicate(data.load_files(files))
    categories = data.load_taxonomy(taxonomy) if taxonomy else None
    if categories is not None:
        data.check_labels(examples, categories)
    model = train.train(
        examples,
        target_precision=settings.target_precision,
        min_examples=settings.min_examples_per_category,
        paraphrase_similarity=settings.paraphrase_similarity,
        categories=categories,
        progress=_progress,
    )
    model.version = registry.new_version_id(artefact.sha256(artefact.dumps(model)))
    model.metadata["taxonomy_hash"] = data.taxonomy_hash(taxonomy, categories or model.labels)
    artefact.save_dir(model, out)
    typer.echo(f"wrote model {model.version} to {out}")


def _train_to_db(files: list[Path] | None, taxonomy: Path | None, actor: str) -> None:
    from triage.classify import registry
    from triage.classify import tasks as training
    from triage.config import get_settings
    from triage.db.engine import session_scope

    settings = get_settings()
    with session_scope() as session:
        model, taxonomy_hash = training.train_from_labels(
            session, settings, _progress, files=files, taxonomy=taxonomy
        )
        row = registry.register(session, model, taxonomy_hash=taxonomy_hash, created_by=actor)
        first = registry.active_version(session) is None
        if first:
            registry.activate(session, row.id, actor, detail="first model: nothing was active")
    if first:
        typer.echo(f"registered and activated {row.id} (no version was active)")
    else:
        typer.echo(f"registered candidate {row.id}; promote it with `triage promote {row.id}`")


def train(
    data: Annotated[
        list[Path] | None, typer.Option("--data", help="JSON Lines file; repeat for several")
    ] = None,
    taxonomy: Annotated[Path | None, typer.Option(help="taxonomy.yaml naming the labels")] = None,
    out: Annotated[Path | None, typer.Option(help="write a model directory; no database")] = None,
    actor: ActorOption = None,
    more: MoreFiles = None,
) -> None:
    """Train a model into a directory (--out), or register a candidate version in the database.

    Without --out the data defaults to labels/data/*.jsonl and analysts' corrections are added.
    """
    data = [*(data or []), *(more or [])]
    with errors():
        if out is None:
            _train_to_db(data, taxonomy, _actor(actor))
            return
        from triage.classify import data as data_module
        from triage.config import get_settings

        files = data or data_module.label_files(get_settings().labels_dir)
        _train_to_dir(files, taxonomy, out)


def _load_model(ref: str | None) -> TrainedModel:
    from triage.classify import artefact, registry
    from triage.db.engine import session_scope
    from triage.errors import TriageError

    if ref is not None and Path(ref).is_dir():
        return artefact.load_dir(Path(ref))
    with session_scope() as session:
        model = registry.active_model(session) if ref is None else None
        if ref is not None:
            model = registry.load_version(registry.get_version(session, ref))
    if model is None:
        raise TriageError("no active model: train one and promote it, or pass --model", 404)
    return model


def print_metrics(result: dict[str, Any]) -> None:
    from triage.classify.evaluate import SUMMARY_KEYS

    for key in SUMMARY_KEYS:
        typer.echo(f"{key:16s} {result[key]}")
    typer.echo(
        f"{'auto-routed':16s} precision {result['auto_precision']} at target "
        f"{result['target_precision']}, coverage {result['auto_rate']} "
        f"(best single cut-off in hindsight: {result['hindsight_auto_rate']})"
    )
    if "out_of_scope" in result:
        typer.echo(f"{'out_of_scope':16s} {result['out_of_scope']}")
    typer.echo(f"\n{'category':26s} precision recall    f1 support")
    for label, row in result["per_class"].items():
        typer.echo(
            f"{label:26s} {row['precision']:9.3f} {row['recall']:6.3f} {row['f1']:5.3f} "
            f"{row['support']:7d}"
        )


def evaluate_files(
    data: list[Path], model: str | None, gate: Path | None
) -> tuple[TrainedModel, dict[str, Any], list[str]]:
    """The model, its metrics on the files, and the gates it fails; the `eval` command's core."""
    from triage.classify import data as data_module
    from triage.classify import evaluate

    loaded = _load_model(model)
    examples = data_module.load_files(data)
    _progress(f"evaluating model {loaded.version} on {len(examples)} examples")
    result = evaluate.evaluate(loaded, examples)
    failures = evaluate.check_gates(result, evaluate.load_gates(gate)) if gate else []
    return loaded, result, failures


def fail_gates(failures: list[str]) -> None:
    """Exit 1 naming each failed gate; nothing when every gate passed."""
    for failure in failures:
        typer.echo(f"gate failed: {failure}", err=True)
    if failures:
        raise typer.Exit(1)


DataFiles = Annotated[
    list[Path], typer.Option("--data", help="JSON Lines file; repeat for several")
]
JsonOption = Annotated[bool, typer.Option("--json", help="print one JSON object")]
GateOption = Annotated[Path | None, typer.Option(help="gates.yaml; exit 1 naming a failed gate")]


def classify(model: ModelOption = None) -> None:
    """Classify one ticket read on stdin (plain text or a JSON {subject, body} / {text})."""
    from triage.classify import data

    raw = sys.stdin.read()
    with errors():
        loaded = _load_model(model)
        try:
            parsed: Any = json.loads(raw)
        except json.JSONDecodeError:
            parsed = None
        row = parsed if isinstance(parsed, dict) else {"text": raw}
        prediction = loaded.predict(data.row_text(row))
    typer.echo(json.dumps(prediction.as_dict()))


def promote(
    version: str,
    force: Annotated[bool, typer.Option(help="activate even if a gate fails")] = False,
    reason: Annotated[str | None, typer.Option(help="why a failing candidate is forced")] = None,
    actor: ActorOption = None,
) -> None:
    """Activate a version after it passes evals/gates.yaml on the golden set."""
    from triage.classify import promotion
    from triage.db.engine import session_scope

    if force and not (reason and reason.strip()):
        raise typer.BadParameter("--force needs --reason", param_hint="--reason")
    _progress(f"evaluating {version} on the golden set against the gates")
    with errors(), session_scope() as session:
        outcome = promotion.promote(session, version, _actor(actor), force=force, reason=reason)
    _report(outcome.messages, typer.echo)
    if not outcome.activated:
        raise typer.Exit(1)


def _report(lines: list[str], echo: Callable[[str], None]) -> None:
    for line in lines:
        echo(line)


def rollback(actor: ActorOption = None) -> None:
    """Re-activate the previously active model version."""
    from triage.classify import registry
    from triage.db.engine import session_scope

    with errors(), session_scope() as session:
        row = registry.rollback(session, _actor(actor))
    typer.echo(f"active model is now {row.id}")
