"""Gather every output of a run as scan Documents: database rows, log records, fake servers'
requests, and the app's responses."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.engine import Engine

from tests.fakes import FakeServer
from tests.fakes.openai_server import FakeOpenAI
from tests.leak.scan import Document
from triage.db.engine import import_models
from triage.logs import JsonFormatter


def _text(value: Any) -> str | None:
    """Text and JSON column values as text; numbers, dates and binary artefacts are skipped."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return None


def database(engine: Engine) -> list[Document]:
    """Every text/JSON value of every row of every table in SQLModel.metadata."""
    docs = []
    with engine.connect() as conn:
        for table in import_models().sorted_tables:
            for n, row in enumerate(conn.execute(select(table)).mappings()):
                for column, value in row.items():
                    text = _text(value)
                    if text:
                        docs.append(Document(f"db {table.name}.{column} row {n}", text))
    return docs


def table_names_with_rows(engine: Engine) -> set[str]:
    with engine.connect() as conn:
        return {t.name for t in import_models().sorted_tables if conn.execute(select(t)).first()}


class LogCapture(logging.Handler):
    """A root handler formatting like the service's own; the project's filter runs before it."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.setFormatter(JsonFormatter())
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        parts = [self.format(record), record.exc_text or "", record.stack_info or ""]
        self.lines.append("\n".join(p for p in parts if p))

    def documents(self) -> list[Document]:
        return [Document(f"log {n}", line) for n, line in enumerate(self.lines)]


def fake_requests(name: str, fake: FakeServer) -> list[Document]:
    """Method, path, query, headers and body of every request a fake Zendesk/ServiceNow got."""
    with fake.lock:
        requests = list(fake.requests)
    return [
        Document(
            f"{name} request {n} {r.method} {r.path}",
            json.dumps([r.path, r.query, r.headers, r.body], ensure_ascii=False),
        )
        for n, r in enumerate(requests)
    ]


def llm_requests(fake: FakeOpenAI) -> list[Document]:
    return [
        Document(f"llm request {n}", json.dumps([r.path, r.headers, r.body], ensure_ascii=False))
        for n, r in enumerate(fake.requests)
    ]


class Responses:
    """Every response the app gave during the run, headers and body."""

    def __init__(self) -> None:
        self.docs: list[Document] = []

    def add(self, label: str, response: httpx.Response) -> httpx.Response:
        headers = json.dumps(dict(response.headers), ensure_ascii=False)
        self.docs.append(Document(f"response {label} headers", headers))
        self.docs.append(Document(f"response {label} body", response.text))
        return response

    def documents(self) -> Iterable[Document]:
        return list(self.docs)
