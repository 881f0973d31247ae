"""Twenty identical deliveries at once give one ticket, one delivery row, one set of jobs."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import httpx
from sqlmodel import Session, func, select

from tests import signing
from tests.live import live_server
from triage.config import Settings
from triage.jobs.models import Job
from triage.tickets.models import Delivery, Ticket


def test_parallel_redeliveries_store_once(settings: Settings, session: Session) -> None:
    body = signing.dumps(signing.zendesk_event(777, "Chargeback", "dispute opened on order 55"))
    with live_server() as base:

        def send(_: int) -> httpx.Response:
            headers = signing.zendesk_headers(body)
            return httpx.post(f"{base}/webhooks/zendesk", content=body, headers=headers, timeout=30)

        with ThreadPoolExecutor(max_workers=20) as pool:
            responses = list(pool.map(send, range(20)))
    assert [r.status_code for r in responses] == [202] * 20
    results = [r.json() for r in responses]
    assert len({r["ticket_id"] for r in results}) == 1
    assert sum(not r["duplicate"] for r in results) == 1
    assert session.exec(select(func.count()).select_from(Ticket)).one() == 1
    assert session.exec(select(func.count()).select_from(Delivery)).one() == 1
    jobs = session.exec(select(Job)).all()
    assert len(jobs) == 1
