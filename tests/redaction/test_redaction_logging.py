"""The logging filter: every record is redacted before any handler formats it."""

from __future__ import annotations

import io
import logging

from triage.redaction.logging import (
    ACCESS_PATH_LIMIT,
    MESSAGE_LIMIT,
    RedactingFilter,
    install,
    truncate,
)


def _record(msg: str, args: tuple[object, ...] = (), exc: bool = False) -> logging.LogRecord:
    exc_info = None
    if exc:
        try:
            raise ValueError("bad card 4111 1111 1111 1111")
        except ValueError as error:
            exc_info = (type(error), error, error.__traceback__)
    return logging.LogRecord("t", logging.ERROR, __file__, 1, msg, args, exc_info)


def test_message_and_args_are_redacted_together() -> None:
    record = _record("charge %s%s for %s", ("41111111", "11111111", "bob@example.com"))
    assert RedactingFilter().filter(record) is True
    assert record.getMessage() == "charge [PAN ...1111] for [EMAIL]"


def test_non_string_args_and_broken_format_strings_are_still_redacted() -> None:
    record = _record("card %d and %s", ("4111111111111111",))
    RedactingFilter().filter(record)
    assert "4111111111111111" not in record.getMessage()
    assert "[PAN ...1111]" in record.getMessage()


def test_exception_text_is_redacted() -> None:
    record = _record("failed", exc=True)
    RedactingFilter().filter(record)
    assert record.exc_text is not None
    assert "[PAN ...1111]" in record.exc_text
    assert "4111 1111" not in logging.Formatter().format(record)


def test_install_filters_records_from_child_loggers_once() -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        install()
        install()
        logging.getLogger("triage.some.module").warning("key %s", "sk_live_abcdefgh12345678")
    finally:
        root.removeHandler(handler)
    assert stream.getvalue() == "key [SECRET]\n"
    assert sum(isinstance(f, RedactingFilter) for f in handler.filters) == 1


def test_install_covers_named_non_propagating_loggers() -> None:
    stream = io.StringIO()
    logger = logging.getLogger("test.redaction.isolated")
    logger.propagate = False
    handler = logging.StreamHandler(stream)
    logger.addHandler(handler)
    try:
        install(["test.redaction.isolated"])
        logger.warning("IBAN DE89 3704 0044 0532 0130 00")
    finally:
        logger.removeHandler(handler)
    assert stream.getvalue() == "IBAN [IBAN]\n"


def _access(path: str) -> logging.LogRecord:
    args = ("127.0.0.1:5000", "GET", path, "1.1", 404)
    return logging.LogRecord(
        "uvicorn.access", logging.INFO, __file__, 1, '%s - "%s %s HTTP/%s" %d', args, None
    )


def test_access_log_path_is_cut_before_it_is_redacted() -> None:
    record = _access("/items" + "/1" * 32_000)
    RedactingFilter().filter(record)
    message = record.getMessage()
    assert len(message) < ACCESS_PATH_LIMIT + 100
    assert message.startswith('127.0.0.1:5000 - "GET /items...[')
    assert message.endswith('characters cut] HTTP/1.1" 404')


def test_a_card_number_split_by_the_cut_leaves_no_digits() -> None:
    # The cut falls inside the card number: the part before it is too short to be recognised
    # as a card, so the cut goes back to the last word instead.
    path = "/pay?" + "filler=yes&" * 44 + "card=4111-1111-1111-1111&amount=10"
    assert path.index("4111") < ACCESS_PATH_LIMIT < path.index("4111") + 19
    record = _access(path)
    RedactingFilter().filter(record)
    message = record.getMessage()
    assert "4111" not in message and "card=" not in message
    assert "filler=yes" in message


def test_long_messages_are_cut_and_still_redacted() -> None:
    record = _record("%s", ("card 4111 1111 1111 1111 " + "word " * 10_000,))
    RedactingFilter().filter(record)
    assert "[PAN ...1111]" in record.getMessage()
    assert len(record.getMessage()) < MESSAGE_LIMIT + 100


def test_truncate_keeps_short_text_and_cuts_back_to_a_word() -> None:
    assert truncate("short", 10) == "short"
    assert truncate("abc 4111 1111 1111", 12) == "abc...[15 characters cut]"
    assert truncate("1" * 50, 10) == "...[50 characters cut]"
