import json
import re
from pathlib import Path

import pytest
from sqlmodel import Session, select
from typer.testing import CliRunner

from tests.classify.samples import GOLDEN, write_jsonl, write_labels
from triage.audit.models import AuditEvent
from triage.cli import app
from triage.config import Settings, get_settings

runner = CliRunner()


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("cli")
    files = write_labels(root / "labels")
    out = root / "model"
    # A shell glob after one --data: the extra paths are files too.
    result = runner.invoke(app, ["train", "--data", *map(str, files), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "cross-validation" in result.stderr
    return out


def test_train_out_writes_a_verified_model_directory(model_dir: Path):
    metadata = json.loads((model_dir / "metadata.json").read_text())
    assert len(metadata["sha256"]) == 64
    assert set(metadata["thresholds"]) == {
        "account_access",
        "payout_failure",
        "refund_issue",
        "webhook_failure",
    }
    assert (model_dir / "model.skops").stat().st_size > 0


def test_eval_json_prints_the_metrics(model_dir: Path, tmp_path: Path):
    golden = write_jsonl(tmp_path / "golden.jsonl", GOLDEN)
    args = ["eval", "--model", str(model_dir), "--data", str(golden), "--json"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    metrics = json.loads(result.stdout)
    assert metrics["n"] == len(GOLDEN)
    expected = {"accuracy", "macro_f1", "per_class", "auto_rate", "auto_precision", "ece"}
    assert expected <= set(metrics)
    target = json.loads((model_dir / "metadata.json").read_text())["target_precision"]
    assert metrics["target_precision"] == target
    assert 0.0 <= metrics["hindsight_auto_rate"] <= 1.0


def test_eval_prints_precision_coverage_and_hindsight_side_by_side(model_dir: Path, tmp_path: Path):
    golden = write_jsonl(tmp_path / "golden.jsonl", GOLDEN)
    result = runner.invoke(app, ["eval", "--model", str(model_dir), "--data", str(golden)])
    assert result.exit_code == 0, result.output
    line = next(x for x in result.stdout.splitlines() if x.startswith("auto-routed"))
    assert re.fullmatch(
        r"auto-routed +precision [\d.]+ at target 0\.\d+, coverage [\d.]+ "
        r"\(best single cut-off in hindsight: [\d.]+\)",
        line,
    ), line


def test_eval_gate_failure_names_the_gate(model_dir: Path, tmp_path: Path):
    golden = write_jsonl(tmp_path / "golden.jsonl", GOLDEN)
    gates = tmp_path / "gates.yaml"
    gates.write_text("gates:\n  accuracy: {min: 0.5}\n  n: {min: 100}\n")
    args = ["eval", "--model", str(model_dir), "--data", str(golden), "--gate", str(gates)]
    result = runner.invoke(app, args)
    assert result.exit_code == 1
    assert "gate failed: n 4 < min 100" in result.stderr
    assert "accuracy" not in result.stderr


def test_classify_reads_a_ticket_on_stdin(model_dir: Path):
    body = "bank says account closed, card 4111111111111111"
    ticket = {"subject": "Payout returned", "body": body}
    result = runner.invoke(app, ["classify", "--model", str(model_dir)], input=json.dumps(ticket))
    assert result.exit_code == 0, result.output
    answer = json.loads(result.stdout)
    assert answer["category"] == "payout_failure"
    assert len(answer["top"]) == 3
    assert answer["route"] in {"auto", "review"}
    assert "threshold" in answer


def test_unknown_model_version_is_a_clear_error(settings: Settings):
    result = runner.invoke(app, ["classify", "--model", "no-such-version"], input="hello")
    assert result.exit_code == 2
    assert "no model version" in result.stderr


def _configure(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, gates: str) -> None:
    write_labels(tmp_path / "labels")
    write_jsonl(tmp_path / "evals" / "golden" / "golden.jsonl", GOLDEN)
    (tmp_path / "evals" / "gates.yaml").write_text(gates)
    monkeypatch.setenv("TRIAGE_LABELS_DIR", str(tmp_path / "labels"))
    monkeypatch.setenv("TRIAGE_EVALS_DIR", str(tmp_path / "evals"))
    get_settings.cache_clear()


def _version(output: str) -> str:
    found = re.search(r"\d{8}-\d{6}-[0-9a-f]{8}", output)
    assert found, output
    return found.group(0)


def test_promote_refuses_a_failing_candidate_unless_forced(
    settings: Settings, session: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    _configure(tmp_path, monkeypatch, "gates:\n  n: {min: 100}\n")
    first = runner.invoke(app, ["train"])
    assert "activated" in first.stdout, first.output
    second = runner.invoke(app, ["train"])
    candidate = _version(second.stdout)
    refused = runner.invoke(app, ["promote", candidate])
    assert refused.exit_code == 1 and "gate failed: n 4 < min 100" in refused.stdout
    no_reason = runner.invoke(app, ["promote", candidate, "--force"])
    assert no_reason.exit_code == 2
    forced = runner.invoke(app, ["promote", candidate, "--force", "--reason", "golden too small"])
    assert forced.exit_code == 0, forced.output
    event = session.exec(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
    assert event.action == "model.activate" and "golden too small" in event.detail
    rolled = runner.invoke(app, ["rollback"])
    assert rolled.exit_code == 0 and _version(first.stdout) in rolled.stdout
