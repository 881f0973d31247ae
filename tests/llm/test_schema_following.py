"""A model that follows the response schema exactly is accepted on its first answer, and each
request stays small (the fake counts tokens, pessimistically: schema_model.count_tokens).

The fake writes, for every request, an instance of exactly the schema that request carries
(instructor's tool parameters), choosing union members and enum values from a seed, so twelve
tickets exercise many templates and the "category alone" member.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlmodel import Session, col, select

from tests.fakes import openai_server as fake
from tests.fakes.openai_server import FakeOpenAI
from tests.llm.conftest import CATALOG
from tests.llm.helpers import make_ticket
from triage import flows
from triage.classify.classifier import Prediction
from triage.config import Settings
from triage.jobs import handlers
from triage.jobs.models import Job, TaskKind
from triage.llm.models import LlmCall
from triage.routing import policy, rules
from triage.tickets.models import Decision, Ticket

Configure = Callable[..., Settings]
MAX_TOKENS_IN = 3000
# (subject, body, the classifier's unsure ranking)
TICKETS = [
    (
        "Settlement missing",
        "Hi, Friday's settlement (batch B-20261204-3) is still not in our account. Monday now.",
        ["settlement_delay", "payout_failure", "reconciliation_mismatch"],
    ),
    (
        "Auszahlung zurückgekommen",
        "Guten Tag, die Auszahlung po_77120 kam zurück, angeblich ist das Konto geschlossen. "
        "Wir haben letzte Woche die Bank gewechselt. Was müssen wir tun?",
        ["payout_failure", "settlement_delay"],
    ),
    (
        "Webhooks en échec",
        "Bonjour, depuis hier 14h nos webhooks payment.succeeded tombent en timeout chez nous, "
        "le tableau de bord affiche des erreurs 504.",
        ["webhook_failure", "api_integration"],
    ),
    (
        "Rechazos",
        "Hola, desde esta mañana casi todas las tarjetas de nuestros clientes salen rechazadas "
        "con el código 05. ¿Pasa algo con el adquirente?",
        ["payment_declines", "fraud_risk"],
    ),
    (
        "Chargeback",
        "We got a chargeback for order 88123 claiming goods not received, but we have the "
        "tracking showing delivery. How do we send proof and by when?",
        ["chargeback_dispute", "refund_issue"],
    ),
    (
        "Rimborso non arrivato",
        "Buongiorno, un cliente aspetta da dieci giorni il rimborso di 89,90 EUR, re_5521. "
        "Potete verificare?",
        ["refund_issue", "chargeback_dispute", "payment_declines"],
    ),
    (
        "Totals don't match",
        "The payout report for November says 12,410.22 but our ledger says 12,980.22. The fee "
        "lines look different too. Can someone explain the gap?",
        ["reconciliation_mismatch", "fees_billing"],
    ),
    (
        "API 401",
        "Our checkout suddenly gets 401 invalid_api_key on every call since we rotated keys "
        "this morning. Live mode only, test mode works.",
        ["api_integration", "account_access"],
    ),
    (
        "Factuur",
        "Goedemiddag, op de factuur van oktober staat een 'cross-border fee' die we niet "
        "kennen. Kunt u uitleggen waar die vandaan komt?",
        ["fees_billing", "reconciliation_mismatch"],
    ),
    (
        "Documentos KYC",
        "Olá, enviamos o contrato social e o comprovante de endereço há uma semana e a conta "
        "continua em análise. Falta algum documento?",
        ["onboarding_kyc", "account_access"],
    ),
    (
        "Locked out",
        "My colleague lost her phone and cannot get the 2FA code to log in to the dashboard. "
        "Her address is ops@kaffee-haus.de, please reset it.",
        ["account_access", "onboarding_kyc"],
    ),
    (
        "Reserve?",
        "Why is 20% of our volume suddenly held in a reserve? Nothing changed on our side, "
        "we sell the same coffee we always did.",
        ["fraud_risk", "fees_billing", "settlement_delay"],
    ),
]


def unsure(ranking: list[str]) -> Prediction:
    top = [(category, round(0.45 - 0.1 * i, 2)) for i, category in enumerate(ranking)]
    return Prediction(
        category=ranking[0],
        confidence=top[0][1],
        top=top,
        threshold=0.8,
        auto=False,
        model_version="m-test",
    )


def fallback_job(session: Session, settings: Settings, subject: str, body: str, ranking):
    ticket = make_ticket(session, body, subject=subject)
    routes = rules.load_routes(settings.labels_dir)
    decision = policy.decide_from_classifier(unsure(ranking), True, routes)
    flows.apply_decision(session, ticket, decision)
    statement = select(Job).where(Job.kind == TaskKind.LLM_FALLBACK, Job.ticket_id == ticket.id)
    return ticket, session.exec(statement).one()


@pytest.mark.parametrize("mode", ["tools", "json"])
def test_twelve_tickets_twelve_requests_all_routed_by_the_llm(
    session: Session, configure: Configure, fake_llm: FakeOpenAI, mode: str
) -> None:
    settings = configure(TRIAGE_LLM_MODE=mode)
    fake_llm.set_script(fake.schema_following())
    handler = handlers.get(TaskKind.LLM_FALLBACK)
    assert handler is not None
    tickets: list[Ticket] = []
    for subject, body, ranking in TICKETS:
        ticket, job = fallback_job(session, settings, subject, body, ranking)
        assert handler(session, job)["route"] == "auto_llm"
        tickets.append(ticket)

    assert len(fake_llm.requests) == len(TICKETS)
    for ticket in tickets:
        decision = session.exec(
            select(Decision)
            .where(Decision.ticket_id == ticket.id)
            .order_by(col(Decision.id).desc())
        ).first()
        assert decision is not None and decision.stage == "llm"
        assert decision.route == "auto_llm" and decision.category in CATALOG.category_ids
        assert ticket.status == "auto_routed"
    calls = session.exec(select(LlmCall)).all()
    assert [c.outcome for c in calls] == ["ok"] * len(TICKETS)
    # Usage recorded is what the endpoint billed: the fake's own count of each request.
    assert sorted(c.tokens_in for c in calls) == sorted(r.tokens_in for r in fake_llm.requests)
    chosen = session.exec(select(Decision.template_id).where(Decision.stage == "llm")).all()
    assert set(chosen) - {None}, "the fake never picked a template: the test would prove little"


def test_every_request_stays_under_the_token_bound(
    session: Session, configure: Configure, fake_llm: FakeOpenAI
) -> None:
    """The bound holds for a long ticket too (the text is cut), schema included."""
    settings = configure()
    fake_llm.set_script(fake.schema_following())
    handler = handlers.get(TaskKind.LLM_FALLBACK)
    assert handler is not None
    long_body = " ".join(["Our settlement batch B-20261204-3 has not arrived yet."] * 200)
    cases = [*TICKETS, ("Long thread", long_body, ["webhook_failure", "settlement_delay"])]
    for subject, body, ranking in cases:
        handler(session, fallback_job(session, settings, subject, body, ranking)[1])
    sizes = [r.tokens_in for r in fake_llm.requests]
    assert len(sizes) == len(cases) and max(sizes) <= MAX_TOKENS_IN, sizes
    # Only the candidates' templates are sent: never one of another category.
    first = fake_llm.requests[0].text
    assert "settlement_delay_general" in first and "fraud_risk_reserve_hold" not in first
