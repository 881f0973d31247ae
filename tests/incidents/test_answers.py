"""Answer once: one approval, one public reply per linked ticket (and per ticket that joins until
the incident is resolved), each ticket's internal note and tag, in Zendesk and ServiceNow."""

from __future__ import annotations

import pytest
from sqlmodel import Session, select

from tests.fakes.hook import SECRET, FakeHook
from tests.fakes.servicenow import FakeServiceNow
from tests.fakes.zendesk import FakeZendesk
from tests.incidents import helpers
from tests.incidents.helpers import decided
from tests.writeback import scenario
from triage.audit.models import AuditEvent
from triage.errors import TriageError
from triage.incidents import answers
from triage.incidents.models import Incident
from triage.tickets.models import Reply

MESSAGE = "A bank file for the 2026-12-04 settlement run was rejected; we resent it at 11:00 UTC."


def test_one_approval_sends_each_linked_ticket_one_public_reply_in_its_language(
    session: Session, fake_zendesk: FakeZendesk, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = helpers.configure(monkeypatch, **scenario.zendesk_env(fake_zendesk))
    incident = helpers.open_incident(session, settings, 10, 1000)
    lead = helpers.user(session, "lead@psp.example", "lead", [])

    queued = answers.approve_answer(session, lead, incident, "incident_update", MESSAGE)
    session.commit()
    assert queued == 10
    with pytest.raises(TriageError):  # approved once: a second approval is refused
        answers.approve_answer(session, lead, incident, "incident_update", "again")
    session.rollback()
    helpers.drain()

    for external_id in range(1000, 1010):
        (public,) = fake_zendesk.notes(external_id, public=True)
        assert MESSAGE in public["body"] and str(external_id) in public["body"]
        tags = fake_zendesk.tickets[external_id]["tags"]
        assert f"triage_incident_{incident.id}" in tags
        internal = [n for n in fake_zendesk.notes(external_id) if "incident #" in n["body"]]
        assert len(internal) == 1
    german = fake_zendesk.notes(1001, public=True)[0]["body"]  # helpers.TEXTS[1] is German
    assert german.startswith("Guten Tag") and "Ihre Ticketnummer: 1001" in german
    approvals = session.exec(select(AuditEvent).where(AuditEvent.action == "reply.approve")).all()
    assert len(approvals) == 10 and all(a.actor == "lead@psp.example" for a in approvals)


def test_tickets_that_join_later_get_the_answer_until_it_is_resolved(
    session: Session, fake_zendesk: FakeZendesk, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = helpers.configure(monkeypatch, **scenario.zendesk_env(fake_zendesk))
    incident = helpers.open_incident(session, settings, 10, 2000)
    analyst = helpers.user(session, "ana@psp.example", "analyst", ["settlements"])
    answers.approve_answer(session, analyst, incident, "incident_update", MESSAGE)
    session.commit()

    decided(session, "2100", "m-late")  # joins in its decision's transaction
    session.commit()
    answers.resolve(session, analyst, incident)
    session.commit()
    after = decided(session, "2101", "m-after")
    session.commit()
    helpers.drain()

    assert len(fake_zendesk.notes(2100, public=True)) == 1
    assert fake_zendesk.notes(2101, public=True) == []
    reply = session.exec(select(Reply).where(Reply.ticket_id == after.id)).one()
    assert reply.status == "draft"  # its own suggestion, for an analyst to approve or not


def test_an_analyst_of_another_team_cannot_answer(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = helpers.configure(monkeypatch)
    incident = helpers.open_incident(session, settings, 10, 3000)
    outsider = helpers.user(session, "risk@psp.example", "analyst", ["risk"])
    with pytest.raises(TriageError) as refused:
        answers.approve_answer(session, outsider, incident, "incident_update", MESSAGE)
    assert refused.value.status_code == 403


def test_servicenow_tickets_get_a_work_note_and_the_configured_field(
    session: Session, fake_servicenow: FakeServiceNow, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = scenario.servicenow_env(fake_servicenow) | {"incident_servicenow_field": "u_incident"}
    settings = helpers.configure(monkeypatch, **env)
    sys_ids = [f"{n:032x}" for n in range(4000, 4010)]
    for sys_id in sys_ids:
        fake_servicenow.add_record("incident", sys_id)
    now = helpers.utcnow()
    for n, sys_id in enumerate(sys_ids):
        decided(session, sys_id, f"m{n}", at=now, source="servicenow")
    incident_id = helpers.service.detect(session, "settlement_delay", now, settings)["incident_id"]
    session.commit()
    helpers.drain()
    helpers.drain()  # a retried note (none expected) would run here

    for sys_id in sys_ids:
        notes = [e for e in fake_servicenow.entries(sys_id) if "incident #" in e["value"]]
        assert len(notes) == 1 and f"[triage-incident:{incident_id}]" in notes[0]["value"]
        record = fake_servicenow.records[("incident", sys_id)]
        assert record["u_incident"] == f"triage_incident_{incident_id}"


def test_opening_and_resolving_send_signed_slack_messages(
    session: Session, fake_hook: FakeHook, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = {"incident_webhook_url": f"{fake_hook.base_url}/hook", "incident_webhook_secret": SECRET}
    settings = helpers.configure(monkeypatch, **env)
    incident = helpers.open_incident(session, settings, 10, 5000)
    lead = helpers.user(session, "lead@psp.example", "lead", [])
    answers.acknowledge(session, lead, incident)
    answers.resolve(session, lead, incident)
    answers.resolve(session, lead, incident)  # twice: still one message
    session.commit()
    helpers.drain()

    texts = [m["text"] for m in fake_hook.messages]
    assert len(texts) == 2
    assert texts[0].startswith(f"Incident #{incident.id} opened: Settlement delay")
    assert texts[1].startswith(f"Incident #{incident.id} resolved")
    assert incident.status == "resolved" and incident.active_key is None


def test_a_wrong_secret_is_refused_by_the_receiver_and_the_job_says_why(
    session: Session, fake_hook: FakeHook, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = {"incident_webhook_url": f"{fake_hook.base_url}/hook", "incident_webhook_secret": "nope"}
    settings = helpers.configure(monkeypatch, **env)
    helpers.open_incident(session, settings, 10, 5100)
    helpers.drain()
    (job,) = helpers.jobs(session, "incidents.notify")
    assert job.status == "dead" and "HTTP 401" in (job.last_error or "")
    assert fake_hook.messages == []


def test_a_card_number_in_the_answer_never_reaches_a_merchant(
    session: Session, fake_zendesk: FakeZendesk, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = helpers.configure(monkeypatch, **scenario.zendesk_env(fake_zendesk))
    incident = helpers.open_incident(session, settings, 10, 6000)
    lead = helpers.user(session, "lead@psp.example", "lead", [])
    disguised = "Refunds go back to card 4111-1111-1111-1111 (or 4111 1111 1111 1111) today."
    answers.approve_answer(session, lead, incident, "incident_update", disguised)
    session.commit()
    helpers.drain()

    bodies = [n["body"] for i in range(6000, 6010) for n in fake_zendesk.notes(i, public=True)]
    assert len(bodies) == 10
    assert not any("4111" in body and "1111-1111" in body for body in bodies)
    assert all("1111 1111 1111" not in body for body in bodies)
    stored = session.get(Incident, incident.id)
    assert stored is not None and stored.answer_body and "4111" not in stored.answer_body
