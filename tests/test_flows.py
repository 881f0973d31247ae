"""flows.apply_decision stores everything a decision implies in the caller's transaction."""

import pytest
from sqlmodel import Session, select

from tests.writeback import scenario
from triage import flows
from triage.audit.models import AuditEvent
from triage.jobs.models import Job
from triage.routing import policy, rules
from triage.tickets.models import Decision, Reply, Ticket


def _ticket(session: Session) -> Ticket:
    ticket = Ticket(source="zendesk", external_id="6001", external_number="6001")
    session.add(ticket)
    session.flush()
    return ticket


def test_auto_decision_updates_ticket_drafts_reply_audits_and_queues_writeback(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = scenario.configure(monkeypatch)
    ticket = _ticket(session)
    decision = policy.decide_from_classifier(
        scenario.Pred(), False, rules.load_routes(settings.labels_dir)
    )

    decision_id = flows.apply_decision(session, ticket, decision)
    session.commit()

    stored = session.exec(select(Decision)).one()
    assert (stored.id, stored.route, stored.stage, stored.threshold) == (
        decision_id,
        "auto",
        "classifier",
        0.83,
    )
    assert stored.template_id == "settlement_delay_fixture"
    assert stored.reasons["classifier"]["model_version"] == "m-2026-11-20-a1b2"
    assert (ticket.status, ticket.team, ticket.priority) == ("auto_routed", "settlements", "high")
    assert ticket.model_version == "m-2026-11-20-a1b2"
    reply = session.exec(select(Reply)).one()
    assert reply.status == "draft" and "Reference: 6001" in reply.body
    event = session.exec(select(AuditEvent)).one()
    assert (event.actor, event.action, event.after["decision_id"]) == (
        "system",
        "ticket.routed",
        decision_id,
    )
    job = session.exec(select(Job)).one()
    assert (job.kind, job.dedupe_key) == ("writeback.note", f"writeback.note:{ticket.id}")
    assert job.payload == {"ticket_id": ticket.id, "decision_id": decision_id}


def test_llm_pending_queues_the_fallback_and_drafts_nothing(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = scenario.configure(monkeypatch)
    ticket = _ticket(session)
    unsure = scenario.Pred(confidence=0.5)
    decision = policy.decide_from_classifier(unsure, True, rules.load_routes(settings.labels_dir))

    flows.apply_decision(session, ticket, decision)
    session.commit()

    assert ticket.status == "llm_pending"
    assert session.exec(select(Job.kind)).all() == ["llm.fallback"]
    assert session.exec(select(Reply)).all() == []


def test_a_later_decision_never_overwrites_an_approved_reply(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = scenario.configure(monkeypatch)
    routes = rules.load_routes(settings.labels_dir)
    ticket = _ticket(session)
    flows.apply_decision(
        session, ticket, policy.decide_from_classifier(scenario.Pred(), False, routes)
    )
    reply = session.exec(select(Reply)).one()
    reply.status, reply.body = "approved", "Edited by an analyst."
    session.add(reply)
    again = scenario.Pred(category="fraud_risk", confidence=0.97)

    flows.apply_decision(session, ticket, policy.decide_from_classifier(again, False, routes))
    session.commit()

    assert session.exec(select(Reply)).one().body == "Edited by an analyst."
    assert ticket.team == "risk"
    assert len(session.exec(select(Job)).all()) == 1  # the writeback job is deduplicated


def test_a_later_decision_never_overwrites_an_analysts_edited_draft(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = scenario.configure(monkeypatch)
    routes = rules.load_routes(settings.labels_dir)
    ticket = _ticket(session)
    flows.apply_decision(
        session, ticket, policy.decide_from_classifier(scenario.Pred(), False, routes)
    )
    reply = session.exec(select(Reply)).one()
    reply.body, reply.edited_by = "Rewritten by an analyst.", "ana@example.com"
    session.add(reply)
    again = scenario.Pred(category="fraud_risk", confidence=0.97)

    flows.apply_decision(session, ticket, policy.decide_from_classifier(again, False, routes))
    session.commit()

    assert session.exec(select(Reply)).one().body == "Rewritten by an analyst."


def test_a_later_decision_refreshes_a_draft_nobody_edited(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = scenario.configure(monkeypatch)
    routes = rules.load_routes(settings.labels_dir)
    ticket = _ticket(session)
    flows.apply_decision(
        session, ticket, policy.decide_from_classifier(scenario.Pred(), False, routes)
    )
    first = session.exec(select(Reply)).one().template_id
    again = scenario.Pred(category="fraud_risk", confidence=0.97)

    flows.apply_decision(session, ticket, policy.decide_from_classifier(again, False, routes))
    session.commit()

    assert first != session.exec(select(Reply)).one().template_id
