"""The cascade evaluation on a small golden set, and the status helper."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.fakes import openai_server as fake
from tests.fakes.openai_server import FakeOpenAI
from tests.llm.helpers import VALID, guess, reply
from triage.classify.classifier import Prediction
from triage.config import Settings, get_settings
from triage.llm import cascade
from triage.llm.breaker import breaker_for
from triage.llm.status import status

Configure = Callable[..., Settings]
ROWS = [
    {"text": "CONFIDENT: settlement for Friday's batch missing", "label": "settlement_delay"},
    {
        "subject": "deposit?",
        "body": "Where is the deposit from 14 March?",
        "label": "settlement_delay",
    },
    {"text": "Was kann ich tun, Auszahlung fehlt seit Tagen", "label": "payout_failure"},
]


class KeywordClassifier:
    """A stand-in classifier: confident only when the text says so."""

    def predict(self, text: str) -> Prediction:
        if "CONFIDENT" in text:
            return guess(confidence=0.97, auto=True)
        return guess()


def test_cascade_reports_rates_tokens_and_cost(configure: Configure, fake_llm: FakeOpenAI) -> None:
    settings = configure(
        TRIAGE_LLM_MAX_RETRIES="0",
        TRIAGE_LLM_PRICE_IN_PER_1K="0.01",
        TRIAGE_LLM_PRICE_OUT_PER_1K="0.02",
    )
    fake_llm.set_script(reply(**VALID), fake.error(500))
    report = cascade.evaluate(KeywordClassifier(), ROWS, settings)
    assert report["n"] == 3
    assert report["routes"] == {"auto": 1, "auto_llm": 1, "review": 1}
    assert report["auto_rate"] == pytest.approx(2 / 3, abs=1e-3)
    assert report["llm_call_rate"] == pytest.approx(2 / 3, abs=1e-3)
    assert report["llm_outcomes"] == {"ok": 1, "error": 1}
    assert report["accuracy"] == pytest.approx(2 / 3, abs=1e-3)
    assert report["tokens_per_1000_tickets"] == pytest.approx(150 * 1000 / 3, abs=0.1)
    assert report["cost_per_1000_tickets_usd"] == pytest.approx(0.0018 * 1000 / 3, rel=1e-3)
    assert len(fake_llm.requests) == 2


def test_cascade_without_llm_sends_unsure_tickets_to_review(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("TRIAGE_LLM_BASE_URL", raising=False)
    get_settings.cache_clear()
    report = cascade.evaluate(KeywordClassifier(), ROWS, get_settings())
    assert report["llm_enabled"] is False and report["llm_call_rate"] == 0
    assert report["routes"] == {"auto": 1, "review": 2}


def test_status_says_off_when_unconfigured() -> None:
    assert status(Settings(llm_base_url=None, llm_model=None))["state"] == "off"


def test_status_shows_the_breaker_without_secrets(configure: Configure) -> None:
    settings = configure(TRIAGE_LLM_BREAKER_FAILURES="1")
    assert status(settings)["state"] == "on"
    breaker_for(settings).record_failure()
    summary = status(settings)
    assert summary["state"] == "breaker_open" and summary["breaker"]["state"] == "open"
    assert summary["endpoint_host"] == "127.0.0.1"
    assert "sk-test" not in str(summary)
