"""Second line of defence: a logging filter that redacts every record before any handler.

The message is formatted with its args first and redacted as a whole, so a card number split
across two args is still caught; exception and stack text are redacted the same way.

Records are bounded before they are redacted: the filter runs on the event loop (uvicorn's
access log is written there), so an unauthenticated 64 KB path must cost no more than a short
one. The access log keeps the first ``ACCESS_PATH_LIMIT`` characters of the path, any message
the first ``MESSAGE_LIMIT``.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable

from triage.redaction.engine import redact

_FORMATTER = logging.Formatter()
ACCESS_PATH_LIMIT = 512
MESSAGE_LIMIT = 4096
TRACE_LIMIT = 16384
_WORD = re.compile(r"[A-Za-z]{3,}")
# uvicorn.access logs '%s - "%s %s HTTP/%s" %d': the path is the third argument.
_ACCESS_PATH_ARG = 2


def truncate(text: str, limit: int) -> str:
    """The first ``limit`` characters, cut back to the end of the last word of three or more
    ASCII letters: whatever follows it may be the first digits of a card number that the cut
    split (and that redaction could no longer recognise), in any script or encoding."""
    if len(text) <= limit:
        return text
    head = text[:limit]
    keep = 0
    for word in _WORD.finditer(head):
        keep = word.end()
    return f"{head[:keep]}...[{len(text) - keep} characters cut]"


class RedactingFilter(logging.Filter):
    """Rewrites ``msg``/``args``, ``exc_text`` and ``stack_info``; never drops a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        _bound_access_path(record)
        record.msg = redact(truncate(_message(record), MESSAGE_LIMIT)).text
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = _FORMATTER.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(truncate(record.exc_text, TRACE_LIMIT)).text
        if record.stack_info:
            record.stack_info = redact(truncate(record.stack_info, TRACE_LIMIT)).text
        return True


def _bound_access_path(record: logging.LogRecord) -> None:
    args = record.args
    if record.name == "uvicorn.access" and isinstance(args, tuple) and len(args) == 5:
        path = args[_ACCESS_PATH_ARG]
        if isinstance(path, str):
            bounded = truncate(path, ACCESS_PATH_LIMIT)
            record.args = (*args[:_ACCESS_PATH_ARG], bounded, *args[_ACCESS_PATH_ARG + 1 :])


def _message(record: logging.LogRecord) -> str:
    try:
        return record.getMessage()
    except (TypeError, ValueError):
        # A bad format string must not leak its args raw or lose the record.
        return f"{record.msg} {record.args}"


def install(logger_names: Iterable[str] = ()) -> RedactingFilter:
    """Attach one filter to every handler of the root logger and of the named loggers.

    Handler filters (not logger filters) see records propagated from child loggers too.
    Safe to call more than once: a handler never gets a second redacting filter.
    """
    redacting = RedactingFilter()
    loggers = [logging.getLogger(), *(logging.getLogger(name) for name in logger_names)]
    for logger in loggers:
        for handler in logger.handlers:
            if not any(isinstance(f, RedactingFilter) for f in handler.filters):
                handler.addFilter(redacting)
    return redacting
