"""Slow clients against the real server (uvicorn with triage's protocol) on 127.0.0.1: half-sent
headers and idle connections are closed, a trickled body gets 408, and others are served."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator

import pytest
import uvicorn

from triage.config import Settings, get_settings
from triage.server import HeaderDeadlineProtocol

GUARD_SECONDS = 20  # only a failure guard: each wait below ends when the server acts


@pytest.fixture
def server(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[str, int]]:
    monkeypatch.setenv("TRIAGE_HEADER_TIMEOUT_SECONDS", "0.3")
    monkeypatch.setenv("TRIAGE_BODY_TIMEOUT_SECONDS", "0.3")
    get_settings.cache_clear()
    # Bound before uvicorn starts: connections wait in the backlog until it serves them.
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    config = uvicorn.Config(
        "triage.main:create_app", factory=True, log_config=None, http=HeaderDeadlineProtocol
    )
    running = uvicorn.Server(config)
    thread = threading.Thread(target=running.run, kwargs={"sockets": [listener]}, daemon=True)
    thread.start()
    yield listener.getsockname()
    running.should_exit = True
    thread.join(GUARD_SECONDS)
    listener.close()


def _connect(address: tuple[str, int]) -> socket.socket:
    conn = socket.create_connection(address, timeout=GUARD_SECONDS)
    return conn


def _read_all(conn: socket.socket) -> bytes:
    chunks = []
    while chunk := conn.recv(65536):
        chunks.append(chunk)
    return b"".join(chunks)


def test_half_sent_headers_and_silent_connections_are_closed(server: tuple[str, int]) -> None:
    silent = _connect(server)
    half = _connect(server)
    half.sendall(b"POST /webhooks/zendesk HTTP/1.1\r\nHost: triage\r\nContent-Type: app")
    healthy = _connect(server)
    healthy.sendall(b"GET /healthz HTTP/1.1\r\nHost: triage\r\nConnection: close\r\n\r\n")
    assert _read_all(healthy).startswith(b"HTTP/1.1 200")
    assert _read_all(half) == b""  # closed by the server, nothing answered
    assert _read_all(silent) == b""


def test_a_trickled_body_gets_408(server: tuple[str, int]) -> None:
    conn = _connect(server)
    conn.sendall(
        b"POST /webhooks/zendesk HTTP/1.1\r\nHost: triage\r\nContent-Type: application/json\r\n"
        b'Content-Length: 1000\r\n\r\n{"id": '
    )
    answer = _read_all(conn)
    assert answer.startswith(b"HTTP/1.1 408"), answer[:200]
    assert b'"timeout"' in answer


def test_a_kept_alive_connection_must_send_its_next_headers_in_time(
    server: tuple[str, int],
) -> None:
    conn = _connect(server)
    conn.sendall(b"GET /healthz HTTP/1.1\r\nHost: triage\r\n\r\nGET /healthz HTTP/1.1\r\nHo")
    answer = _read_all(conn)
    assert answer.count(b"HTTP/1.1 200") == 1
