"""The apps bench/ingest.py measures triage against.

`app` is the baseline: parse the same JSON and insert it into one SQLite table, with the same
WAL journal and synchronous level as triage's embedded database. `null_app` does no work at all;
it shows what the load generator and uvicorn cost on their own.
"""

from __future__ import annotations

import os
import sqlite3
import threading

from fastapi import FastAPI
from fastapi.responses import JSONResponse

DB_PATH = os.environ.get("BASELINE_DB", "/tmp/triage-bench-baseline.db")
_local = threading.local()


def _create() -> None:
    """The file's WAL mode and table, once at import: threads racing to switch the journal mode
    of a new file get SQLITE_BUSY without waiting (a 500 in the first requests)."""
    with sqlite3.connect(DB_PATH, timeout=10) as conn:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute(
            "CREATE TABLE IF NOT EXISTS tickets (id INTEGER PRIMARY KEY, ext TEXT, body TEXT)"
        )
    conn.close()


def _conn() -> sqlite3.Connection:
    conn = getattr(_local, "conn", None)
    if conn is None:
        conn = sqlite3.connect(DB_PATH, timeout=10)
        conn.execute("PRAGMA synchronous=NORMAL")
        _local.conn = conn
    return conn


_create()


app = FastAPI()


def _insert(data: dict) -> int:
    conn = _conn()
    detail = data.get("detail", {})
    cur = conn.execute(
        "INSERT INTO tickets (ext, body) VALUES (?, ?)",
        (str(detail.get("id")), str(detail.get("description"))),
    )
    conn.commit()
    return int(cur.lastrowid or 0)


@app.post("/webhooks/zendesk")
def ingest(data: dict) -> JSONResponse:
    return JSONResponse({"ticket_id": _insert(data), "duplicate": False}, status_code=202)


@app.get("/healthz")
def healthz() -> dict:
    return {"status": "ok"}


null_app = FastAPI()


@null_app.post("/webhooks/zendesk")
async def ignore(data: dict) -> JSONResponse:
    return JSONResponse({"ticket_id": 0, "duplicate": False}, status_code=202)


@null_app.get("/healthz")
def null_healthz() -> dict:
    return {"status": "ok"}
