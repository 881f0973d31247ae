"""flows.apply_decision stores everything a decision implies in the caller's transaction."""

import json

import pytest
from sqlalchemy import event
from sqlmodel import Session, select

from tests.writeback import scenario
from triage import flows
from triage.audit.models import AuditEvent
from triage.config import Settings
from triage.jobs.models import Job
from triage.routing import policy, rules
from triage.tickets.models import Decision, Delivery, Reply, Ticket, TicketEvent


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


@pytest.mark.parametrize(
    ("status", "edited_by"), [("approved", None), ("draft", "ana@example.com")]
)
def test_a_later_decision_never_overwrites_what_an_analyst_touched(
    session: Session, monkeypatch: pytest.MonkeyPatch, status: str, edited_by: str | None
) -> None:
    settings = scenario.configure(monkeypatch)
    routes = rules.load_routes(settings.labels_dir)
    ticket = _ticket(session)
    flows.apply_decision(
        session, ticket, policy.decide_from_classifier(scenario.Pred(), False, routes)
    )
    reply = session.exec(select(Reply)).one()
    reply.status, reply.body, reply.edited_by = status, "Written by an analyst.", edited_by
    session.add(reply)
    again = scenario.Pred(category="fraud_risk", confidence=0.97)

    flows.apply_decision(session, ticket, policy.decide_from_classifier(again, False, routes))
    session.commit()

    assert session.exec(select(Reply)).one().body == "Written by an analyst."
    assert ticket.team == "risk"
    assert len(session.exec(select(Job)).all()) == 1  # the writeback job is deduplicated


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


TEXTS = (
    ("Settlement missing", "Our settlement batch from Friday never reached the bank account."),
    ("Webhook failing", "Webhook deliveries to our endpoint time out since this morning."),
    ("Chargeback", "A customer disputed a payment, what evidence do you need from us?"),
    ("hello", "hi"),
)


def _event(n: int, delivery: str, kind: str = "created", source: str = "zendesk") -> TicketEvent:
    subject, body = TEXTS[n % len(TEXTS)]
    if kind == "comment":
        return flows.redact(
            TicketEvent(source, delivery, "comment", str(n), comment=body, comment_id=delivery)
        )
    return flows.redact(TicketEvent(source, delivery, "created", str(n), subject, body))


TIMES = ("id", "created_at", "updated_at", "received_at", "at", "run_at")


def _rows(session: Session, model: type, source: str, drop: tuple[str, ...] = ()) -> list[str]:
    """The rows of `model` for one source's tickets, without ids and times; tickets are named by
    their external id, so two sources holding the same tickets give the same rows."""
    tickets = {t.id: t for t in session.exec(select(Ticket)).all()}
    out = []
    for row in session.exec(select(model)).all():
        ticket = tickets.get(row.id if model is Ticket else row.ticket_id)
        if ticket is None or ticket.source != source:
            continue
        values = row.model_dump(exclude={*TIMES, "source", *drop})
        if "ticket_id" in values:
            values["ticket_id"] = ticket.external_id
        if isinstance(values.get("after"), dict):
            values["after"] = {k: v for k, v in values["after"].items() if k != "decision_id"}
        out.append(json.dumps(values, sort_keys=True, default=str))
    return sorted(out)


def assert_same_rows(session: Session, source: str, other: str) -> None:
    """Every table holds the same rows for the tickets of both sources, but for their ids."""
    for model, drop in (
        (Ticket, ()),
        (Decision, ()),
        (Reply, ()),
        (AuditEvent, ()),
        (Job, ("payload", "dedupe_key")),
        (Delivery, ("delivery_id",)),
    ):
        rows = _rows(session, model, source, drop)
        assert rows and rows == _rows(session, model, other, drop), model.__name__


def test_a_batch_stores_exactly_what_one_event_at_a_time_stores(
    settings: Settings, session: Session, active_model: str
) -> None:
    batched = flows.ingest_batch(session, [_event(n, f"b-{n}") for n in range(4)], settings)
    alone = [
        flows.ingest(session, _event(n, f"o-{n}", source="servicenow"), settings) for n in range(4)
    ]
    session.commit()

    assert [(r.category, r.route, r.decided) for r in batched] == [
        (r.category, r.route, r.decided) for r in alone
    ]
    assert all(r.decided for r in batched)
    assert_same_rows(session, "zendesk", "servicenow")
    jobs = session.exec(select(Job)).all()
    assert sorted(j.dedupe_key for j in jobs) == sorted(f"{j.kind}:{j.ticket_id}" for j in jobs)


def test_a_batch_with_redeliveries_and_comments_keeps_each_event_s_outcome(
    settings: Settings, session: Session, active_model: str
) -> None:
    flows.ingest_batch(session, [_event(1, "d-1")], settings)
    session.commit()
    mixed = [
        _event(2, "d-2"),
        _event(1, "d-1"),
        _event(1, "c-1", "comment"),
        _event(3, "c-3", "comment"),
    ]

    results = flows.ingest_batch(session, mixed, settings)
    session.commit()

    assert [(r.duplicate, r.decided) for r in results] == [
        (False, True),
        (True, False),
        (False, False),
        (False, True),
    ]
    assert results[1].ticket_id == results[2].ticket_id
    assert len(session.exec(select(Ticket)).all()) == 3
    assert len(session.exec(select(Decision)).all()) == 3


def _statements_for(session: Session, settings: Settings, events: list[TicketEvent]) -> int:
    executed: list[str] = []
    engine = session.get_bind()

    def count(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        # The active model's id is checked every few seconds whatever the traffic: not counted.
        if "model_versions" not in statement:
            executed.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        flows.ingest_batch(session, events, settings)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    session.commit()
    return len(executed)


def test_a_batch_of_new_tickets_costs_the_same_statements_whatever_its_size(
    settings: Settings, session: Session, active_model: str
) -> None:
    four = _statements_for(session, settings, [_event(n, f"a-{n}") for n in range(4)])
    twelve = _statements_for(session, settings, [_event(n, f"b-{n}") for n in range(4, 16)])
    assert four == twelve, (four, twelve)
