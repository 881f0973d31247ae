"""`triage eval --llm`: the cascade against a configured endpoint (the fake, following the
schema), reporting tokens and cost per 1,000 tickets as billed by that endpoint."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.classify.samples import GOLDEN, write_jsonl, write_labels
from tests.fakes import openai_server as fake
from tests.fakes.openai_server import FakeOpenAI
from triage.cli import app
from triage.config import Settings, get_settings

runner = CliRunner()
Configure = Callable[..., Settings]
PRICES = {"TRIAGE_LLM_PRICE_IN_PER_1K": "0.00015", "TRIAGE_LLM_PRICE_OUT_PER_1K": "0.0006"}


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("cascade")
    out = root / "model"
    files = write_labels(root / "labels")
    result = runner.invoke(app, ["train", "--data", *map(str, files), "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out


def test_eval_llm_reports_tokens_and_cost_per_1000_tickets(
    model_dir: Path, tmp_path: Path, configure: Configure, fake_llm: FakeOpenAI
) -> None:
    configure(**PRICES, TRIAGE_LLM_CONFIDENCE_THRESHOLD="0.8")
    fake_llm.set_script(fake.schema_following())
    golden = write_jsonl(tmp_path / "golden.jsonl", GOLDEN)
    args = ["eval", "--model", str(model_dir), "--data", str(golden), "--llm", "--json"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    cascade = json.loads(result.stdout)["cascade"]
    calls = len(fake_llm.requests)
    assert calls > 0 and cascade["llm_outcomes"] == {"ok": calls}
    billed_in = sum(r.tokens_in for r in fake_llm.requests)
    per_1000 = 1000 / len(GOLDEN)
    assert cascade["tokens_in_per_1000_tickets"] == pytest.approx(billed_in * per_1000, abs=0.1)
    assert cascade["max_tokens_in_per_ticket"] <= 3000
    total = cascade["tokens_in"] * 0.00015 / 1000 + cascade["tokens_out"] * 0.0006 / 1000
    assert cascade["cost_per_1000_tickets_usd"] == pytest.approx(total * per_1000, rel=1e-3)

    text = runner.invoke(app, args[:-1])
    assert text.exit_code == 0, text.output
    assert "cost_per_1000_tickets_usd" in text.stdout and "tokens_per_1000_tickets" in text.stdout


def test_eval_llm_without_an_endpoint_says_what_to_set(
    model_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TRIAGE_LLM_BASE_URL", raising=False)
    get_settings.cache_clear()
    golden = write_jsonl(tmp_path / "golden.jsonl", GOLDEN)
    result = runner.invoke(app, ["eval", "--model", str(model_dir), "--data", str(golden), "--llm"])
    assert result.exit_code == 2
    assert "TRIAGE_LLM_BASE_URL" in result.stderr
