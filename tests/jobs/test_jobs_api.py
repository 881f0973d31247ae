"""GET /api/jobs and POST /api/jobs/{id}/retry: leads only; retry is audited."""

from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from triage import errors
from triage.audit.models import AuditEvent
from triage.auth import service as users
from triage.jobs import queue
from triage.jobs.router import router


@pytest.fixture
def client(session: Session) -> Iterator[TestClient]:
    app = FastAPI()
    errors.install_handlers(app)
    app.include_router(router)
    with TestClient(app) as test_client:
        yield test_client


def _token(session: Session, email: str, role: str) -> dict[str, str]:
    _, token = users.create_user(session, email, role, ["settlements"])
    session.commit()
    return {"Authorization": f"Bearer {token}"}


def _dead_job(session: Session) -> int:
    job = queue.enqueue(session, "writeback.note", ticket_id=None, payload={}, dedupe_key="d1")
    queue.claim(session, "w1", 30)
    assert job.id is not None
    queue.fail(session, job.id, "w1", "zendesk refused our credentials (HTTP 401)", permanent=True)
    session.commit()
    return job.id


def test_lead_lists_dead_jobs_with_reasons_and_retries_one(
    session: Session, client: TestClient
) -> None:
    job_id = _dead_job(session)
    lead = _token(session, "lead@psp.example", "lead")

    listed = client.get("/api/jobs", params={"status": "dead"}, headers=lead)
    assert listed.status_code == 200
    (row,) = listed.json()
    assert row["id"] == job_id and "HTTP 401" in row["last_error"]

    retried = client.post(f"/api/jobs/{job_id}/retry", headers=lead)
    assert retried.status_code == 200 and retried.json()["status"] == "queued"
    assert client.get("/api/jobs", params={"status": "dead"}, headers=lead).json() == []
    event = session.exec(select(AuditEvent).where(AuditEvent.action == "job.retry")).one()
    assert event.actor == "lead@psp.example"
    assert client.post(f"/api/jobs/{job_id}/retry", headers=lead).status_code == 409


def test_analysts_and_strangers_are_refused(session: Session, client: TestClient) -> None:
    job_id = _dead_job(session)
    analyst = _token(session, "ana@psp.example", "analyst")
    assert client.get("/api/jobs", headers=analyst).status_code == 403
    assert client.post(f"/api/jobs/{job_id}/retry", headers=analyst).status_code == 403
    assert client.get("/api/jobs").status_code == 401
