"""JSON structured logs with a request id; every record passes the redaction filter first."""

from __future__ import annotations

import json
import logging
from contextvars import ContextVar

from triage.config import Settings
from triage.redaction import logging as redaction_logging

REQUEST_ID: ContextVar[str | None] = ContextVar("request_id", default=None)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = REQUEST_ID.get()
        if request_id:
            entry["request_id"] = request_id
        if record.exc_info and record.exc_info[0] is not None:
            # The type only: exception messages may quote input.
            entry["exception"] = record.exc_info[0].__name__
        return json.dumps(entry)


def configure(settings: Settings) -> None:
    root = logging.getLogger()
    if not any(getattr(h, "_triage", False) for h in root.handlers):
        handler = logging.StreamHandler()
        handler._triage = True  # type: ignore[attr-defined]
        if settings.log_json:
            handler.setFormatter(JsonFormatter())
        root.addHandler(handler)
    root.setLevel(settings.log_level.upper())
    # Alembic narrates every readiness probe's revision check at INFO.
    logging.getLogger("alembic").setLevel(logging.WARNING)
    redaction_logging.install()
