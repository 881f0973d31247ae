"""Drive the real service through a leak-test run: webhooks, the job worker, an analyst, pages."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from tests import signing
from tests.leak.collect import Responses
from tests.leak.corpus import LeakTicket
from triage.jobs.models import Job
from triage.jobs.worker import Worker
from triage.tickets.models import Ticket

MAX_JOBS = 500


def _zendesk(ticket: LeakTicket) -> tuple[dict[str, Any], dict[str, str]]:
    if ticket.trigger:
        trigger: dict[str, Any] = {
            "event": "ticket.created",
            "ticket": {
                "id": ticket.ref,
                "subject": ticket.subject,
                "description": ticket.body,
                "requester_id": 4401,
                "tags": " ".join(ticket.tags),
            },
        }
        return trigger, {"X-Zendesk-Webhook-Invocation-Id": f"inv-{ticket.ref}"}
    payload = signing.zendesk_event(int(ticket.ref), ticket.subject, ticket.body, f"d-{ticket.ref}")
    payload["detail"]["tags"] = ["merchant", *ticket.tags]
    return payload, {}


def _post(client: TestClient, source: str, payload: dict[str, Any], extra: dict[str, str]) -> Any:
    body = signing.dumps(payload)
    sign = signing.zendesk_headers if source == "zendesk" else signing.servicenow_headers
    return client.post(f"/webhooks/{source}", content=body, headers={**sign(body), **extra})


def _comment(ticket: LeakTicket, key: str, text: str) -> dict[str, Any]:
    delivery = f"d-{ticket.ref}-c{key}"
    if ticket.source == "zendesk":
        return signing.zendesk_event(
            int(ticket.ref), ticket.subject, ticket.body, delivery, "ticket.comment_added", text
        )
    return signing.servicenow_record(
        ticket.ref, ticket.subject, ticket.body, event="comment", comment=text, delivery_id=delivery
    )


def ingest(client: TestClient, ticket: LeakTicket, responses: Responses) -> None:
    """The ticket's creation, then each follow-up comment, through the signed webhooks."""
    if ticket.source == "zendesk":
        payload, extra = _zendesk(ticket)
    else:
        payload = signing.servicenow_record(ticket.ref, ticket.subject, ticket.body)
        extra = {}
    created = responses.add(f"webhook {ticket.ref}", _post(client, ticket.source, payload, extra))
    assert created.status_code == 202, created.text
    for n, text in enumerate(ticket.comments):
        comment(client, ticket, str(n), text, responses)


def comment(
    client: TestClient, ticket: LeakTicket, key: str, text: str, responses: Responses
) -> None:
    answer = _post(client, ticket.source, _comment(ticket, key, text), {})
    assert responses.add(f"webhook {ticket.ref} comment {key}", answer).status_code == 202


def reject_malformed(client: TestClient, responses: Responses) -> None:
    """Bad input quoting a card number gets a 4xx whose detail does not echo it."""
    pan = "4539 1488 0343 6467"
    zendesk_bad = {"id": "d-bad", "type": "zen:event-type:ticket.created", "detail": {"id": [pan]}}
    bodies = [
        ("zendesk", signing.dumps(zendesk_bad)),
        ("servicenow", signing.dumps({"sys_id": f"card {pan}", "number": pan})),
        ("zendesk", f'{{"subject": "card {pan}", '.encode()),  # cut off: not JSON
    ]
    for n, (source, body) in enumerate(bodies):
        sign = signing.zendesk_headers if source == "zendesk" else signing.servicenow_headers
        answer = client.post(f"/webhooks/{source}", content=body, headers=sign(body))
        assert responses.add(f"malformed {n}", answer).status_code in (400, 422), answer.text


def drain(worker: Worker) -> int:
    """Run due jobs until none is left (bounded, so a job that keeps coming back fails the test)."""
    for ran in range(MAX_JOBS):
        if not worker.run_once():
            return ran
    raise AssertionError(f"the job queue did not drain after {MAX_JOBS} jobs")


def unfinished_jobs(session: Session) -> list[str]:
    jobs = session.exec(select(Job).where(Job.status != "done")).all()
    return [f"{j.kind} #{j.id} {j.status}: {j.last_error}" for j in jobs]


def ticket_by_ref(session: Session, ref: str) -> Ticket:
    return session.exec(select(Ticket).where(Ticket.external_id == ref)).one()


def publish_reply(
    client: TestClient, auth: dict[str, str], ticket: Ticket, text: str, responses: Responses
) -> None:
    """What an analyst does: settle the category if needed, paste into the reply, approve it."""
    base = f"/api/tickets/{ticket.id}"
    if ticket.status == "in_review":
        confirmed = client.post(f"{base}/confirm", headers=auth)
        assert responses.add(f"confirm {ticket.id}", confirmed).status_code == 200
    wrong = client.post(f"{base}/reply", headers=auth, json={"body": [text]})
    assert responses.add(f"bad reply {ticket.id}", wrong).status_code == 422
    edited = client.post(f"{base}/reply", headers=auth, json={"body": text})
    assert responses.add(f"reply {ticket.id}", edited).status_code == 200, edited.text
    approved = client.post(f"{base}/approve", headers=auth)
    assert responses.add(f"approve {ticket.id}", approved).status_code == 200, approved.text


def correct(
    client: TestClient, auth: dict[str, str], ticket: Ticket, reason: str, responses: Responses
) -> None:
    """An analyst moves a ticket to another category, quoting the merchant in the reason."""
    body = {"category": "payment_declines", "reason": reason}
    answer = client.post(f"/api/tickets/{ticket.id}/correct", headers=auth, json=body)
    assert responses.add(f"correct {ticket.id}", answer).status_code == 200, answer.text


def pages(ids: list[int], lead: bool) -> list[str]:
    """The pages and JSON views about these tickets; leads also see the audit log and jobs."""
    paths = ["/queue", "/queue?stage=reply", "/api/queue?limit=200"]
    if lead:
        paths += ["/audit", "/api/audit", "/api/audit.csv", "/api/jobs", "/metrics"]
    for ticket_id in ids:
        paths += [f"/tickets/{ticket_id}", f"/api/tickets/{ticket_id}"]
    return paths


def browse(
    client: TestClient, auth: dict[str, str], paths: list[str], responses: Responses
) -> None:
    for path in paths:
        response = client.get(path, headers=auth)
        assert responses.add(f"GET {path}", response).status_code == 200, (path, response.text)
