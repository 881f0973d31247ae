"""Second line of defence: a logging filter that redacts every record before any handler.

The message is formatted with its args first and redacted as a whole, so a card number split
across two args is still caught; exception and stack text are redacted the same way.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from triage.redaction.engine import redact

_FORMATTER = logging.Formatter()


class RedactingFilter(logging.Filter):
    """Rewrites ``msg``/``args``, ``exc_text`` and ``stack_info``; never drops a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact(_message(record)).text
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = _FORMATTER.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text).text
        if record.stack_info:
            record.stack_info = redact(record.stack_info).text
        return True


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
