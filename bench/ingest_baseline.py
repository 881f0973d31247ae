"""The apps bench/ingest.py measures triage against.

`app` is the reference the issue names: a bare FastAPI app that only inserts the JSON into one
SQLite table through SQLAlchemy (a Core INSERT on a pooled engine, one transaction per request,
from FastAPI's thread pool), with the same WAL journal and synchronous level as triage's
embedded database. `raw_app` does the same insert with the standard library's sqlite3 and no
SQLAlchemy: lighter, so a harsher reference, printed as an extra row. `null_app` does no work at
all; it shows what the load generator and uvicorn cost on their own.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from typing import Any

from fastapi import FastAPI
from fastapi.responses import JSONResponse
from sqlalchemy import Column, Integer, MetaData, Table, Text, create_engine, event, insert

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


_create()


def _fields(data: dict[str, Any]) -> dict[str, str]:
    detail = data.get("detail", {})
    return {"ext": str(detail.get("id")), "body": str(detail.get("description"))}


def _healthz() -> dict[str, str]:
    return {"status": "ok"}


# The reference: SQLAlchemy, as the bare app.
_metadata = MetaData()
_tickets = Table(
    "tickets",
    _metadata,
    Column("id", Integer, primary_key=True),
    Column("ext", Text),
    Column("body", Text),
)
_engine = create_engine(
    f"sqlite:///{DB_PATH}", connect_args={"check_same_thread": False, "timeout": 10}
)


@event.listens_for(_engine, "connect")
def _pragmas(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.execute("PRAGMA synchronous=NORMAL")


_INSERT = insert(_tickets)

app = FastAPI()


@app.post("/webhooks/zendesk")
def ingest(data: dict[str, Any]) -> JSONResponse:
    with _engine.begin() as conn:
        ticket_id = conn.execute(_INSERT, _fields(data)).inserted_primary_key[0]
    return JSONResponse({"ticket_id": ticket_id, "duplicate": False}, status_code=202)


app.get("/healthz")(_healthz)


# The extra row: the standard library's sqlite3, no SQLAlchemy.
def _conn() -> sqlite3.Connection:
    conn = getattr(_local, "conn", None)
    if conn is None:
        conn = sqlite3.connect(DB_PATH, timeout=10)
        conn.execute("PRAGMA synchronous=NORMAL")
        _local.conn = conn
    return conn


def _insert_raw(data: dict[str, Any]) -> int:
    conn = _conn()
    fields = _fields(data)
    cur = conn.execute(
        "INSERT INTO tickets (ext, body) VALUES (?, ?)", (fields["ext"], fields["body"])
    )
    conn.commit()
    return int(cur.lastrowid or 0)


raw_app = FastAPI()


@raw_app.post("/webhooks/zendesk")
def ingest_raw(data: dict[str, Any]) -> JSONResponse:
    return JSONResponse({"ticket_id": _insert_raw(data), "duplicate": False}, status_code=202)


raw_app.get("/healthz")(_healthz)


null_app = FastAPI()


@null_app.post("/webhooks/zendesk")
async def ignore(data: dict[str, Any]) -> JSONResponse:
    return JSONResponse({"ticket_id": 0, "duplicate": False}, status_code=202)


null_app.get("/healthz")(_healthz)
