"""SIGKILL a `triage serve` process in the middle of a load of signed webhooks: every delivery it
acknowledged with a 202 is in the database afterwards (promise 2: acknowledge only after the
commit), on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlmodel import Session, col, select

from tests import signing
from tests.live import free_port
from tests.writeback import scenario
from triage.config import Settings
from triage.tickets.models import Delivery, Ticket

TRIAGE = str(Path(sys.executable).parent / "triage")
SENDERS = 8
MAX_PER_SENDER = 5_000  # a bound, never reached: the kill ends every sender first
ACKED_BEFORE_KILL = 150


class Load:
    """Senders posting new tickets over keep-alive connections until the server goes away."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.acked: dict[str, int] = {}  # delivery id -> external ticket id, for every 202
        self.refused: list[int] = []  # any other status: a bug
        self.cut_off = 0  # senders that ended on a dropped connection
        self.lock = threading.Lock()
        self.threads = [threading.Thread(target=self._send, args=(n,)) for n in range(SENDERS)]

    def start(self) -> None:
        for thread in self.threads:
            thread.start()

    def join(self) -> None:
        for thread in self.threads:
            thread.join(timeout=60)
        assert not any(thread.is_alive() for thread in self.threads)

    def _send(self, sender: int) -> None:
        with httpx.Client(base_url=self.base, timeout=30) as client:
            for i in range(MAX_PER_SENDER):
                ticket = 900_000 + sender * MAX_PER_SENDER + i
                payload = signing.zendesk_event(ticket, "Payout missing", f"batch {i} not paid")
                body = signing.dumps(payload)
                try:
                    response = client.post(
                        "/webhooks/zendesk", content=body, headers=signing.zendesk_headers(body)
                    )
                except httpx.TransportError:
                    with self.lock:
                        self.cut_off += 1
                    return
                with self.lock:
                    if response.status_code == 202:
                        self.acked[payload["id"]] = ticket
                    else:
                        self.refused.append(response.status_code)


@pytest.fixture
def server(settings: Settings, tmp_path: Path) -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    port = free_port()
    with (tmp_path / "serve.log").open("wb") as log:
        proc = subprocess.Popen(
            [TRIAGE, "serve", "--port", str(port)],
            env=dict(os.environ),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            assert scenario.poll(lambda: _healthy(base, proc), timeout=90, step=0.1)
            yield proc, base
        finally:
            if proc.poll() is None:
                proc.kill()
            proc.wait(timeout=30)


def _healthy(base: str, proc: subprocess.Popen[bytes]) -> bool:
    assert proc.poll() is None, "triage serve exited during start-up"
    try:
        return httpx.get(f"{base}/healthz", timeout=2).status_code == 200
    except httpx.TransportError:
        return False


def test_sigkill_during_a_load_loses_no_acknowledged_delivery(
    server: tuple[subprocess.Popen[bytes], str], session: Session
) -> None:
    proc, base = server
    load = Load(base)
    load.start()
    try:
        assert scenario.poll(lambda: len(load.acked) >= ACKED_BEFORE_KILL, timeout=120)
    finally:
        proc.kill()  # SIGKILL: no shutdown, no flush, requests in flight cut off
        proc.wait(timeout=30)
        load.join()

    assert load.refused == []
    assert load.cut_off == SENDERS  # every sender was mid-load when the process died
    acked = dict(load.acked)
    stored = session.exec(
        select(Delivery.delivery_id, Ticket.external_id)
        .join(Ticket, col(Ticket.id) == col(Delivery.ticket_id))
        .where(col(Delivery.delivery_id).in_(list(acked)))
    ).all()
    assert {delivery: int(external) for delivery, external in stored} == acked
