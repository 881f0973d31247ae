"""Jobs API for leads: see dead (or any) jobs with their reason, and retry them."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel

from triage.jobs import queue
from triage.jobs.models import Job
from triage.web.deps import Db, Lead

router = APIRouter(prefix="/api/jobs", tags=["jobs"])


class JobRead(BaseModel):
    id: int
    kind: str
    ticket_id: int | None
    status: str
    attempts: int
    max_attempts: int
    run_at: datetime
    last_error: str | None
    result: dict[str, Any]
    created_at: datetime
    finished_at: datetime | None

    @classmethod
    def of(cls, job: Job) -> JobRead:
        return cls.model_validate(job, from_attributes=True)


@router.get("", response_model=list[JobRead])
def list_jobs(
    session: Db,
    _user: Lead,
    status: Literal["queued", "running", "done", "dead"] | None = Query(default=None),
    limit: int = Query(default=100, ge=1, le=1000),
) -> list[JobRead]:
    return [JobRead.of(job) for job in queue.list_jobs(session, status=status, limit=limit)]


@router.post("/{job_id}/retry", response_model=JobRead)
def retry_job(job_id: int, session: Db, user: Lead) -> JobRead:
    job = queue.retry(session, job_id, actor=user.email)
    session.commit()
    return JobRead.of(job)
