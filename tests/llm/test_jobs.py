"""The "llm.fallback" job: classifier decision -> job -> LLM -> routing decision, in the DB."""

from __future__ import annotations

import threading
from collections.abc import Callable

from sqlmodel import Session, col, select

from tests.fakes import openai_server as fake
from tests.fakes.openai_server import FakeOpenAI
from tests.llm.helpers import VALID, guess, make_ticket, reply
from triage import flows
from triage.classify import registry
from triage.classify import tasks as training
from triage.config import Settings
from triage.jobs import handlers
from triage.jobs.models import Job
from triage.jobs.worker import Worker
from triage.llm.models import LlmCall
from triage.llm.schemas import nest
from triage.routing import policy, rules
from triage.tickets.models import Decision, Reply, Ticket

Configure = Callable[..., Settings]


def pending_ticket(session: Session, settings: Settings) -> tuple[Ticket, Job]:
    """A ticket the classifier was unsure of, routed the way the webhook would route it."""
    ticket = make_ticket(session, "Batch B-20240314-02 has not arrived, it is Monday now.")
    routes = rules.load_routes(settings.labels_dir)
    flows.apply_decision(session, ticket, policy.decide_from_classifier(guess(), True, routes))
    job = session.exec(select(Job).where(Job.kind == "llm.fallback")).one()
    return ticket, job


def run_job(session: Session, job: Job) -> dict:
    handler = handlers.get("llm.fallback")
    assert handler is not None
    return handler(session, job)


def last_decision(session: Session, ticket: Ticket) -> Decision:
    statement = select(Decision).where(Decision.ticket_id == ticket.id)
    return session.exec(statement.order_by(col(Decision.id).desc())).first()  # type: ignore[return-value]


def test_confident_llm_answer_routes_the_ticket(
    session: Session, configure: Configure, fake_llm: FakeOpenAI
) -> None:
    settings = configure()
    fake_llm.set_script(reply(**VALID))
    ticket, job = pending_ticket(session, settings)
    result = run_job(session, job)
    assert result["route"] == "auto_llm" and result["llm_outcome"] == "ok"
    assert ticket.status == "auto_routed" and ticket.category == "settlement_delay"
    decision = last_decision(session, ticket)
    assert decision.stage == "llm" and decision.llm_model == "fake-model"
    assert decision.prompt_version and decision.prompt_version.startswith("classify_v2-")
    assert (decision.tokens_in, decision.tokens_out, decision.cache_hit) == (120, 30, False)
    assert decision.template_id == "settlement_delay_general"
    draft = session.exec(select(Reply).where(Reply.ticket_id == ticket.id)).one()
    assert "B-20240314-02" in draft.body
    kinds = set(session.exec(select(Job.kind)))
    assert "writeback.note" in kinds


def test_endpoint_failure_sends_the_ticket_to_review_with_the_reason(
    session: Session, configure: Configure, fake_llm: FakeOpenAI
) -> None:
    settings = configure(TRIAGE_LLM_MAX_RETRIES="1")
    fake_llm.set_script(fake.error(500))
    ticket, job = pending_ticket(session, settings)
    assert run_job(session, job)["route"] == "review"
    assert ticket.status == "in_review"
    decision = last_decision(session, ticket)
    assert decision.reasons["why_review"] == "endpoint_5xx"
    assert decision.reasons["llm_outcome"]["outcome"] == "error"


def test_low_confidence_answer_goes_to_review(
    session: Session, configure: Configure, fake_llm: FakeOpenAI
) -> None:
    settings = configure()
    fake_llm.set_script(reply(**{**VALID, "confidence": 0.3}))
    ticket, job = pending_ticket(session, settings)
    assert run_job(session, job)["route"] == "review"
    assert "below threshold" in last_decision(session, ticket).reasons["why_review"]


def test_llm_off_goes_to_review(session: Session, settings: Settings, fake_llm: FakeOpenAI) -> None:
    ticket, job = pending_ticket(session, settings)
    assert run_job(session, job)["llm_outcome"] == "off"
    assert ticket.status == "in_review"
    assert fake_llm.requests == []


def test_a_retried_job_on_a_decided_ticket_does_nothing(
    session: Session, configure: Configure, fake_llm: FakeOpenAI
) -> None:
    settings = configure()
    fake_llm.set_script(reply(**VALID))
    _ticket, job = pending_ticket(session, settings)
    run_job(session, job)
    assert run_job(session, job) == {"skipped": "ticket is auto_routed"}
    assert len(fake_llm.requests) == 1


def test_the_active_model_supplies_the_prediction(
    session: Session, configure: Configure, fake_llm: FakeOpenAI
) -> None:
    settings = configure()
    data = settings.labels_dir / "data"
    files = [data / "settlement_delay.jsonl", data / "payout_failure.jsonl"]  # small: fast
    model, taxonomy_hash = training.train_from_labels(
        session, settings, lambda _m: None, files=files
    )
    version = registry.register(session, model, taxonomy_hash=taxonomy_hash, created_by="test").id
    registry.activate(session, version, "test")
    fake_llm.set_script(reply(**VALID))
    ticket, job = pending_ticket(session, settings)
    run_job(session, job)
    decision = last_decision(session, ticket)
    assert decision.reasons["classifier"]["model_version"] == version


def test_a_paid_call_stays_counted_when_the_lease_is_lost(
    session: Session, configure: Configure, fake_llm: FakeOpenAI
) -> None:
    settings = configure(TRIAGE_JOB_LEASE_SECONDS="1", TRIAGE_LLM_TIMEOUT_SECONDS="10")
    # The first answer comes after the first worker's lease has run out; the second at once.
    fake_llm.set_script(fake.Step(arguments=nest(VALID), delay=2.0), reply(**VALID))
    ticket, job = pending_ticket(session, settings)
    session.commit()

    first = threading.Thread(target=Worker("w-slow").run_once)
    first.start()
    pause = threading.Event()
    pause.wait(1.3)  # past the lease, the job is claimable again
    assert Worker("w-next").run_once()
    first.join()

    # Both answers were paid for, and both stay counted; the job was finished once.
    assert len(fake_llm.requests) == 2
    spent = session.exec(select(LlmCall.tokens_in).where(LlmCall.ticket_id == ticket.id)).all()
    assert spent == [120, 120]
    finished = session.get(Job, job.id, populate_existing=True)
    assert finished is not None and finished.status == "done"
    assert finished.lease_owner is None and finished.attempts == 2
