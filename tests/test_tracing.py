"""One trace per delivery: webhook, flow, LLM job and call, write-back job and its requests.

Real app, real worker, fake Zendesk and OpenAI servers over HTTP; spans go to the in-memory
exporter. No span name, attribute or event may carry the ticket's text.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from sqlmodel import Session, select

from tests import signing
from tests.fakes import openai_server
from tests.fakes.openai_server import FakeOpenAI
from tests.fakes.zendesk import FakeZendesk
from tests.fakes.zendesk import fake_zendesk as fake_zendesk
from tests.llm.helpers import VALID
from tests.writeback import scenario
from triage import tracing
from triage.classify import registry
from triage.config import Settings
from triage.jobs.models import Job
from triage.jobs.worker import Worker
from triage.main import create_app

# A real problem, asked of the LLM because the model in use routes nothing on its own.
SUBJECT = "Question about the deposit"
BODY = "The deposit was smaller than the sales total this week, can you explain the difference?"
TEXT_WORDS = ("Question", "deposit", "smaller", "sales total", "difference")


@pytest.fixture
def unsure_model(session: Session, merchant_model: tuple[Any, str]) -> str:
    """The session's model with no thresholds: every ticket it names a category for is unsure,
    whatever the training data makes of this one, so the trace always reaches the LLM."""
    model, taxonomy_hash = merchant_model
    cautious = dataclasses.replace(model, thresholds=dict.fromkeys(model.thresholds))
    row = registry.register(session, cautious, taxonomy_hash=taxonomy_hash, created_by="test")
    registry.activate(session, row.id, "test")
    session.commit()
    return row.id


@pytest.fixture
def spans(settings: Settings) -> Iterator[InMemorySpanExporter]:
    exporter = InMemorySpanExporter()
    tracing.configure(settings, exporter)
    yield exporter
    tracing.shutdown()


@pytest.fixture
def fake_llm() -> Iterator[FakeOpenAI]:
    yield from openai_server.running()


def _everything_said(span: ReadableSpan) -> str:
    events = [f"{e.name} {dict(e.attributes or {})}" for e in span.events]
    return f"{span.name} {dict(span.attributes or {})} {events} {span.status.description}"


def _run_all_jobs(session: Session, ticket_id: int) -> None:
    worker = Worker("traced")
    assert scenario.poll(lambda: not worker.run_once() and _all_done(session, ticket_id))


def _all_done(session: Session, ticket_id: int) -> bool:
    session.expire_all()
    jobs = session.exec(select(Job).where(Job.ticket_id == ticket_id)).all()
    return bool(jobs) and all(job.status == "done" for job in jobs)


def test_one_delivery_is_one_trace_from_webhook_to_write_back(
    session: Session,
    settings: Settings,
    unsure_model: str,
    spans: InMemorySpanExporter,
    fake_llm: FakeOpenAI,
    fake_zendesk: FakeZendesk,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    llm = {"llm_base_url": fake_llm.base_url, "llm_model": "fake-model", "llm_api_key": "sk-t"}
    scenario.configure(
        monkeypatch, **scenario.zendesk_env(fake_zendesk), **llm, labels_dir=settings.labels_dir
    )
    fake_llm.set_script(openai_server.answer(**VALID))
    with TestClient(create_app()) as client:
        body = signing.dumps(signing.zendesk_event(8801, SUBJECT, BODY))
        response = client.post(
            "/webhooks/zendesk", content=body, headers=signing.zendesk_headers(body)
        )
    assert response.status_code == 202, response.text
    ticket_id = response.json()["ticket_id"]

    _run_all_jobs(session, ticket_id)

    finished = spans.get_finished_spans()
    by_name = {span.name: span for span in finished}
    assert {"webhook.receive", "ingest.flow", "job llm.fallback", "chat fake-model"} <= set(
        by_name
    ), sorted(by_name)
    assert "job writeback.note" in by_name and "zendesk PUT" in by_name
    root = by_name["webhook.receive"]
    assert root.parent is None
    assert {span.context.trace_id for span in finished} == {root.context.trace_id}
    chat = by_name["chat fake-model"]
    assert chat.attributes is not None
    assert chat.attributes["gen_ai.request.model"] == "fake-model"
    assert (
        chat.attributes["gen_ai.usage.input_tokens"],
        chat.attributes["gen_ai.usage.output_tokens"],
    ) == (120, 30)
    assert (
        chat.parent is not None
        and chat.parent.span_id == by_name["job llm.fallback"].context.span_id
    )
    said = " ".join(_everything_said(span) for span in finished)
    assert not [word for word in TEXT_WORDS if word in said]


def test_tracing_is_off_unless_configured(
    session: Session, fake_zendesk: FakeZendesk, monkeypatch: pytest.MonkeyPatch
) -> None:
    scenario.configure(monkeypatch, **scenario.zendesk_env(fake_zendesk))
    _, _, job = scenario.routed_ticket(session, "zendesk", "8802")
    assert "trace" not in job.payload
    assert not tracing.configure(scenario.get_settings())


def test_while_off_a_span_records_nothing_and_failures_still_raise() -> None:
    assert not tracing.enabled()
    with (
        pytest.raises(ValueError),
        tracing.span("ingest.flow", {"triage.source": "zendesk"}) as span,
    ):
        assert not span.is_recording()
        assert not span.get_span_context().is_valid
        raise ValueError("boom")
    assert tracing.with_trace({"ticket_id": 1}) == {"ticket_id": 1}
