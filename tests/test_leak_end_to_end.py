"""Promise 1 end to end: no card number or secret is stored, logged, sent to an LLM, written
back or shown.

Forty merchant tickets full of card numbers and secrets go through the real service: both signed
webhooks, a small active classifier (so some tickets are unsure), the LLM fallback against the
fake OpenAI server (once answering with a card number in a slot), write-back to the fake Zendesk
and ServiceNow by the real job worker, an analyst pasting a card and a key into a reply that is
approved and sent, the analyst pages, and logging at DEBUG through the project's handlers and
filter. Then every table row, log record, outgoing request and response is scanned: zero hits.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from tests.fakes import openai_server
from tests.fakes import servicenow as fake_sn
from tests.fakes import zendesk as fake_zd
from tests.fakes.openai_server import FakeOpenAI
from tests.fakes.servicenow import FakeServiceNow
from tests.fakes.servicenow import fake_servicenow as fake_servicenow
from tests.fakes.zendesk import FakeZendesk
from tests.fakes.zendesk import fake_zendesk as fake_zendesk
from tests.leak import collect, corpus, pipeline, scan
from tests.leak.collect import LogCapture, Responses
from tests.leak.tickets_servicenow import sys_id
from triage.auth import service as users
from triage.classify import registry
from triage.classify import tasks as training
from triage.config import Settings, get_settings
from triage.db.engine import engine_for
from triage.jobs.worker import Worker
from triage.llm.models import LlmCall
from triage.llm.schemas import nest
from triage.main import create_app
from triage.redaction.logging import RedactingFilter
from triage.routing import rules
from triage.tickets.models import Comment, Correction, Decision, Ticket

TRAIN_ON = ("payment_declines", "api_integration", "payout_failure", "refund_issue")
# Valid for any candidates (a category alone), but for the card the model wrote.
CARD_IN_ANSWER = {
    "category": "settlement_delay",
    "confidence": 0.92,
    "template_id": None,
    "rationale": "The card is 5268 1904 7735 2103.",
}
ZENDESK_REPLY = (  # what the analyst pastes: the merchant's card and a key, "to be helpful"
    "Hi Leonie, we refunded the second charge on the card 4929 5038 1746 2156. Please never "
    f"email keys such as {corpus.ANALYST_SECRET} - roll it in the dashboard."
)
SERVICENOW_REPLY = (
    "Dear Regional Ops, the duplicate charge on card ４９２９-５０３８-１７４６-２１５６ is "
    f"refunded. Your integration key {corpus.ANALYST_SECRET} was in the incident, rotate it."
)
FILLED_TABLES = {
    "tickets", "comments", "deliveries", "decisions", "jobs", "llm_calls", "llm_cache",
    "replies", "corrections", "audit_events", "users", "model_versions",
}  # fmt: skip
CORRECTION_REASON = "not a settlement question: card 4929503817462156 was declined (code 05)"


@pytest.fixture
def llm() -> Iterator[FakeOpenAI]:
    yield from openai_server.running()


@pytest.fixture
def logs() -> Iterator[LogCapture]:
    """A capturing handler on the root logger, in place before the app configures logging."""
    root = logging.getLogger()
    level, capture = root.level, LogCapture()
    root.addHandler(capture)
    try:
        yield capture
    finally:
        root.removeHandler(capture)
        root.setLevel(level)


def configure(
    monkeypatch: pytest.MonkeyPatch, llm: FakeOpenAI, zd: FakeZendesk, sn: FakeServiceNow
) -> Settings:
    env = {
        "LLM_BASE_URL": llm.base_url,
        "LLM_MODEL": "fake-model",
        "LLM_API_KEY": "fake-llm-key",
        "LLM_TIMEOUT_SECONDS": "5",
        "LLM_BACKOFF_BASE_SECONDS": "0.01",
        "ZENDESK_BASE_URL": zd.base_url,
        "ZENDESK_EMAIL": fake_zd.EMAIL,
        "ZENDESK_API_TOKEN": fake_zd.API_TOKEN,
        "ZENDESK_CATEGORY_FIELD_ID": "360000777",
        "SERVICENOW_BASE_URL": sn.base_url,
        "SERVICENOW_USERNAME": fake_sn.USERNAME,
        "SERVICENOW_PASSWORD": fake_sn.PASSWORD,
        "JOB_BACKOFF_BASE_SECONDS": "0.05",
        "LOG_LEVEL": "DEBUG",
        # Four well-separated categories: at the default target every ticket would route, and
        # the LLM path (where a model writes a card into its answer) must be exercised.
        "TARGET_PRECISION": "0.999",
    }
    for name, value in env.items():
        monkeypatch.setenv(f"TRIAGE_{name}", value)
    get_settings.cache_clear()
    return get_settings()


def prepare(session: Session, settings: Settings, sn: FakeServiceNow) -> dict[str, str]:
    """A small active model, an analyst and a lead (their Bearer headers), ServiceNow records."""
    files = [settings.labels_dir / "data" / f"{category}.jsonl" for category in TRAIN_ON]
    model, taxonomy = training.train_from_labels(session, settings, lambda _m: None, files=files)
    version = registry.register(session, model, taxonomy_hash=taxonomy, created_by="leak-test")
    registry.activate(session, version.id, "leak-test")
    routes = rules.load_routes(settings.labels_dir)
    teams = sorted({r.team for r in routes.by_category.values()} | {routes.default.team})
    _, analyst = users.create_user(session, "ana@psp.example", "analyst", teams)
    _, lead = users.create_user(session, "lee@psp.example", "lead", [])
    session.commit()
    for ticket in corpus.all_tickets():
        if ticket.source == "servicenow":
            sn.add_record("incident", ticket.ref)
    return {"analyst": f"Bearer {analyst}", "lead": f"Bearer {lead}"}


def log_on_purpose() -> None:
    """A careless log line and a logged exception, both quoting a card number and a secret."""
    log = logging.getLogger("triage.webhooks.router")
    log.debug("raw payload mentioned card %s and %s", "5138 7402 9365 7180", corpus.LOG_SECRET)
    try:
        raise ValueError(f"cannot parse amount next to card {corpus.LOG_PAN}")
    except ValueError:
        log.exception("parsing failed for card %s", corpus.LOG_PAN)


def ingest_everything(client: TestClient, responses: Responses) -> None:
    for ticket in corpus.all_tickets():
        pipeline.ingest(client, ticket, responses)
    for n, (ticket, text) in enumerate(corpus.reused_comments()):
        pipeline.comment(client, ticket, f"r{n}", text, responses)
    pipeline.reject_malformed(client, responses)


def analyst_work(client: TestClient, auth: dict[str, str], responses: Responses) -> list[int]:
    """Two replies pasted full of secrets and approved; the ticket the LLM gave up on corrected.
    Returns the ids of the tickets the analyst touched."""
    with Session(engine_for(get_settings().database_url)) as session:
        touched = []
        for ref, text in {"71001": ZENDESK_REPLY, sys_id(6): SERVICENOW_REPLY}.items():
            ticket = pipeline.ticket_by_ref(session, ref)
            pipeline.publish_reply(client, auth, ticket, text, responses)
            touched.append(ticket.id)
        gave_up = select(LlmCall.ticket_id).where(LlmCall.reason == "card_in_answer")
        unsure = session.get(Ticket, session.exec(gave_up).one())
        assert unsure is not None and unsure.status == "in_review", "the LLM's card went through"
        pipeline.correct(client, auth, unsure, CORRECTION_REASON, responses)
        return [i for i in (*touched, unsure.id) if i is not None]


def run_service(client: TestClient, auth: dict[str, str], responses: Responses) -> None:
    ingest_everything(client, responses)
    log_on_purpose()
    worker = Worker("leak-test")
    pipeline.drain(worker)
    analyst = {"Authorization": auth["analyst"]}
    touched = analyst_work(client, analyst, responses)
    pipeline.drain(worker)
    with Session(engine_for(get_settings().database_url)) as session:
        ids = [t.id for t in session.exec(select(Ticket)).all() if t.id is not None]
    pipeline.browse(client, analyst, pipeline.pages(touched, False), responses)
    pipeline.browse(client, {"Authorization": auth["lead"]}, pipeline.pages(ids, True), responses)


def assert_work_was_done(
    session: Session, llm: FakeOpenAI, zd: FakeZendesk, sn: FakeServiceNow, logs: LogCapture
) -> None:
    """Every stage ran, so a clean scan means something: a skipped stage fails here."""
    tickets = corpus.all_tickets()
    assert len(session.exec(select(Ticket)).all()) == len(tickets)
    comments = sum(len(t.comments) for t in tickets) + len(corpus.reused_comments())
    assert len(session.exec(select(Comment)).all()) == comments
    assert len(session.exec(select(Correction)).all()) == 1
    assert pipeline.unfinished_jobs(session) == []
    filled = collect.table_names_with_rows(engine_for(get_settings().database_url))
    assert not FILLED_TABLES - filled, f"tables left empty: {FILLED_TABLES - filled}"
    first = session.exec(select(Decision.route).where(Decision.stage == "classifier")).all()
    assert "auto" in first and "llm_pending" in first, "the classifier should be sure and unsure"
    outcomes = set(session.exec(select(LlmCall.outcome)).all())
    assert {"ok", "invalid"} <= outcomes and len(llm.requests) >= 4, outcomes
    assert "auto_llm" in session.exec(select(Decision.route).where(Decision.stage == "llm")).all()
    for ticket in tickets:
        if ticket.source == "zendesk":
            assert zd.notes(int(ticket.ref), public=False), f"no note on Zendesk {ticket.ref}"
        else:
            assert sn.entries(ticket.ref, "work_notes"), f"no work note on {ticket.ref}"
    (public,) = zd.notes(71001, public=True)
    (comment,) = sn.entries(sys_id(6), "comments")
    for sent in (public["body"], comment["value"]):
        assert "[PAN ...2156]" in sent and "[SECRET]" in sent, sent
    assert any("[PAN ...7180]" in line and "[SECRET]" in line for line in logs.lines)
    assert any("ValueError" in line and "[PAN ...7180]" in line for line in logs.lines)


def documents(
    llm: FakeOpenAI, zd: FakeZendesk, sn: FakeServiceNow, logs: LogCapture, responses: Responses
) -> list[scan.Document]:
    engine = engine_for(get_settings().database_url)
    return [
        *collect.database(engine),
        *logs.documents(),
        *collect.llm_requests(llm),
        *collect.fake_requests("zendesk", zd),
        *collect.fake_requests("servicenow", sn),
        *responses.documents(),
    ]


def assert_scanner_is_live(sensitive: scan.Sensitive, docs: list[scan.Document]) -> None:
    """A card number or a secret planted into a real document of each channel is found."""
    channels = {doc.label.split()[0]: doc for doc in docs}
    assert set(channels) == {"db", "log", "llm", "zendesk", "servicenow", "response"}
    for doc in channels.values():
        for plant in ("card 4539\n1488 0343 6467", f"key {corpus.ANALYST_SECRET}"):
            planted = scan.Document(doc.label, doc.text + plant)
            assert scan.scan([planted], sensitive), f"missed {plant!r} planted in {doc.label}"


def test_no_card_number_or_secret_leaves_the_service(
    settings: Settings,
    session: Session,
    monkeypatch: pytest.MonkeyPatch,
    llm: FakeOpenAI,
    fake_zendesk: FakeZendesk,
    fake_servicenow: FakeServiceNow,
    logs: LogCapture,
) -> None:
    configure(monkeypatch, llm, fake_zendesk, fake_servicenow)
    auth = prepare(session, get_settings(), fake_servicenow)
    # The first unsure ticket gets a model that keeps writing a card into its answer: it is
    # re-asked (without its card) until the validation retries run out; every later ticket is
    # answered by a model that follows the schema it is sent.
    card = openai_server.answer(**nest(CARD_IN_ANSWER))
    llm.set_script(card, card, card, openai_server.schema_following())
    responses = Responses()
    with TestClient(create_app()) as client:
        assert any(isinstance(f, RedactingFilter) for f in logs.filters)
        run_service(client, auth, responses)
    session.expire_all()
    assert_work_was_done(session, llm, fake_zendesk, fake_servicenow, logs)
    sensitive = scan.Sensitive(corpus.all_pans(), corpus.all_secrets(), corpus.reused_secrets())
    docs = documents(llm, fake_zendesk, fake_servicenow, logs, responses)
    assert_scanner_is_live(sensitive, docs)
    leaks = scan.scan(docs, sensitive)
    assert leaks == [], f"{len(leaks)} leaks:\n" + "\n".join(leaks[:40])
