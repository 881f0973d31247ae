"""Jobs API for leads: see dead (or any) jobs with their reason, and retry them."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel
from sqlmodel import Session

from triage.auth import dependencies as auth
from triage.auth.models import User
from triage.db.engine import get_session
from triage.jobs import queue
from triage.jobs.models import Job

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
    status: Literal["queued", "running", "done", "dead"] | None = Query(default=None),
    limit: int = Query(default=100, ge=1, le=1000),
    session: Session = Depends(get_session),
    _user: User = Depends(auth.require_role("lead")),
) -> list[JobRead]:
    return [JobRead.of(job) for job in queue.list_jobs(session, status=status, limit=limit)]


@router.post("/{job_id}/retry", response_model=JobRead)
def retry_job(
    job_id: int,
    session: Session = Depends(get_session),
    user: User = Depends(auth.require_role("lead")),
) -> JobRead:
    job = queue.retry(session, job_id, actor=user.email)
    session.commit()
    return JobRead.of(job)
