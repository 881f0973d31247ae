"""A live triage server (uvicorn in a thread, SQLite) wired to the fake Zendesk, and Chromium.

The listening socket is bound before the server thread starts, so the browser can connect at
once: the kernel queues the connection until uvicorn accepts it (no waiting loop needed).
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from tests.browser.chromium import CHROMIUM, CHROMIUM_ARGS
from tests.fakes.zendesk import API_TOKEN, EMAIL
from tests.fakes.zendesk import fake_zendesk as fake_zendesk
from triage.config import Settings, get_settings
from triage.db.engine import engine_for


@pytest.fixture
def database_url(sqlite_template: Path, tmp_path: Path) -> Iterator[str]:
    """The browser tests run the embedded setup: a SQLite file, whatever the suite's backends."""
    target = tmp_path / "triage.db"
    shutil.copy(sqlite_template, target)
    url = f"sqlite:///{target}"
    yield url
    engine_for(url).dispose()


@pytest.fixture
def live_settings(
    settings: Settings, fake_zendesk: Any, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Settings]:
    monkeypatch.setenv("TRIAGE_ZENDESK_BASE_URL", fake_zendesk.base_url)
    monkeypatch.setenv("TRIAGE_ZENDESK_EMAIL", EMAIL)
    monkeypatch.setenv("TRIAGE_ZENDESK_API_TOKEN", API_TOKEN)
    get_settings.cache_clear()
    yield get_settings()
    get_settings.cache_clear()


@pytest.fixture
def live_server(live_settings: Settings) -> Iterator[str]:
    from triage.main import create_app

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)
    port = sock.getsockname()[1]
    config = uvicorn.Config(create_app(), log_config=None, access_log=False, lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)
    sock.close()


@pytest.fixture
def chromium() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        yield browser
        browser.close()


# Read once at import: the `settings` fixture clears every TRIAGE_ variable before each test.
REFRESH_SCREENSHOTS = os.environ.get("TRIAGE_SCREENSHOTS") == "1"


@pytest.fixture
def screenshots(tmp_path: Path) -> Path:
    """Where the browser tests save their pictures: docs/screenshots/ when TRIAGE_SCREENSHOTS=1
    (to refresh the README's), else a temporary folder so a test run leaves the tree clean."""
    if REFRESH_SCREENSHOTS:
        return Path(__file__).resolve().parents[2] / "docs" / "screenshots"
    return tmp_path
