"""Fixtures for the LLM tests: the fake OpenAI server and settings pointing at it."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from tests.fakes import openai_server
from tests.fakes.openai_server import FakeOpenAI
from triage.config import PROJECT_ROOT, Settings, get_settings
from triage.llm.catalog import Catalog, load_catalog
from triage.llm.schemas import TriageAnswerBase, response_model
from triage.redaction import engine as redaction


@pytest.fixture
def fake_llm() -> Iterator[FakeOpenAI]:
    """The fake endpoint; after every test, no request it received may hold a card number."""
    for fake in openai_server.running():
        yield fake
        leaked = [r.path for r in fake.requests if redaction.contains_pan(r.text)]
        assert not leaked, "a request body sent to the LLM held a PAN"


def point_at(monkeypatch: pytest.MonkeyPatch, fake: FakeOpenAI, **extra: str) -> Settings:
    values = {
        "TRIAGE_LLM_BASE_URL": fake.base_url,
        "TRIAGE_LLM_MODEL": "fake-model",
        "TRIAGE_LLM_API_KEY": "sk-test",
        "TRIAGE_LLM_TIMEOUT_SECONDS": "2",
        "TRIAGE_LLM_BACKOFF_BASE_SECONDS": "0.01",
        **extra,
    }
    for key, value in values.items():
        monkeypatch.setenv(key, value)
    get_settings.cache_clear()
    return get_settings()


@pytest.fixture
def configure(monkeypatch: pytest.MonkeyPatch, fake_llm: FakeOpenAI) -> Callable[..., Settings]:
    """Settings (from TRIAGE_ env vars) aimed at the fake; keyword args add or override vars."""

    def apply(**extra: str) -> Settings:
        return point_at(monkeypatch, fake_llm, **extra)

    return apply


CATALOG: Catalog = load_catalog(PROJECT_ROOT / "labels")
MODEL: type[TriageAnswerBase] = response_model(CATALOG)
