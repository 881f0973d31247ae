"""Labelled examples: JSON Lines files, the taxonomy, and analysts' corrections from the database.

Every text goes through the same redaction and the same subject/body joining as a ticket arriving
by webhook, so the features the model learns are the features it will see in production.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlmodel import Session, col, select

from triage import labels
from triage.config import Settings
from triage.errors import TriageError

# The label for tickets that name no problem at all (greetings, "please call me", auto-replies,
# thank-you notes, newsletters, spam). It is trained like a category but is not one of the
# taxonomy's: it never auto-routes, and routing sends it to review saying "unclear".
UNCLEAR = "unclear"


class DataError(TriageError):
    """A training or evaluation file that cannot be used; the message names the file and line."""

    def __init__(self, message: str) -> None:
        super().__init__(message, status_code=422, code="invalid_data")


@dataclass(frozen=True, slots=True)
class Example:
    text: str
    label: str


def ticket_text(subject: str | None, body: str | None) -> str:
    """The one text the classifier sees for a ticket: subject, a blank line, then the body."""
    parts = [part.strip() for part in (subject or "", body or "") if part and part.strip()]
    return "\n\n".join(parts)


def _redact(text: str) -> str:
    # Imported here so `triage classify --help` and friends do not build the recognizers.
    from triage.redaction import engine as redaction

    return redaction.redact(text).text


def row_text(row: Mapping[str, Any], redact: bool = True) -> str:
    """Text of one row, {"text"} or {"subject", "body"}, redacted as the webhook would."""
    clean = _redact if redact else str
    if "text" in row:
        return ticket_text("", clean(str(row["text"] or "")))
    return ticket_text(clean(str(row.get("subject") or "")), clean(str(row.get("body") or "")))


def read_rows(path: Path) -> list[dict[str, Any]]:
    """The raw JSON objects of a JSON Lines file; each must hold a label and some text."""
    rows: list[dict[str, Any]] = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise DataError(f"{path}: cannot read ({exc.strerror})") from None
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError:
            raise DataError(f"{path}:{number}: not valid JSON") from None
        if not isinstance(row, dict) or not str(row.get("label") or "").strip():
            raise DataError(f"{path}:{number}: expected an object with a non-empty label")
        if not any(str(row.get(key) or "").strip() for key in ("text", "subject", "body")):
            raise DataError(f"{path}:{number}: no text, subject or body")
        rows.append(row)
    return rows


def to_examples(rows: Iterable[Mapping[str, Any]], redact: bool = True) -> list[Example]:
    return [Example(row_text(row, redact), str(row["label"]).strip()) for row in rows]


def load_files(paths: Iterable[Path], redact: bool = True) -> list[Example]:
    examples: list[Example] = []
    for path in paths:
        examples.extend(to_examples(read_rows(path), redact))
    return examples


def label_files(labels_dir: Path) -> list[Path]:
    files = labels.training_files(labels_dir)
    if not files:
        raise DataError(f"no training data: {labels_dir / 'data'} holds no *.jsonl files")
    return files


def load_taxonomy(path: Path) -> list[str]:
    """Category ids in the order the taxonomy file lists them."""
    try:
        document = labels.read(path).data or {}
    except labels.LabelsError as exc:
        raise DataError(str(exc)) from None
    categories = document.get("categories") if isinstance(document, dict) else None
    if not isinstance(categories, list) or not categories:
        raise DataError(f"{path}: expected a non-empty 'categories' list")
    return [str(category["id"]) for category in categories]


def check_labels(examples: Iterable[Example], categories: list[str]) -> None:
    unknown = sorted({example.label for example in examples} - {*categories, UNCLEAR})
    if unknown:
        raise DataError(f"labels not in the taxonomy: {', '.join(unknown)}")


def deduplicate(examples: Iterable[Example]) -> list[Example]:
    """One example per text; a later example (an analyst's correction) replaces an earlier one."""
    latest: dict[str, Example] = {}
    for example in examples:
        key = " ".join(example.text.lower().split())
        if key:
            latest.pop(key, None)
            latest[key] = example
    return list(latest.values())


def data_hash(examples: Iterable[Example]) -> str:
    lines = sorted(json.dumps([e.text, e.label], ensure_ascii=False) for e in examples)
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()


def taxonomy_hash(path: Path | None, labels: Iterable[str]) -> str:
    """Hash of the taxonomy file, or of the label set when the labels came from the data."""
    content = path.read_bytes() if path is not None else "\n".join(sorted(labels)).encode()
    return hashlib.sha256(content).hexdigest()


# ops (issue 8): every HOLDOUT_EVERY-th ticket's verdict is never trained on, so that a
# candidate can be compared with the active model on recent corrections it has not seen.
HOLDOUT_EVERY = 5


def in_holdout(ticket_id: int) -> bool:
    return ticket_id % HOLDOUT_EVERY == 0


def corrections(session: Session, holdout: bool | None = None) -> list[Example]:
    """Analysts' verdicts (corrected or confirmed), the latest per ticket, on redacted text.

    `holdout` True keeps only the held-out tickets, False only the trainable ones, None all.
    The result is ordered by each ticket's latest verdict, so deduplication keeps the newest.
    """
    from triage.tickets.models import Correction, Ticket

    query = (
        select(Correction, Ticket)
        .join(Ticket, col(Ticket.id) == col(Correction.ticket_id))
        .order_by(col(Correction.created_at), col(Correction.id))
    )
    latest: dict[int, Example] = {}
    for correction, ticket in session.exec(query).all():
        if holdout is not None and in_holdout(correction.ticket_id) != holdout:
            continue
        text = ticket_text(ticket.subject, ticket.body)
        if text:
            latest.pop(correction.ticket_id, None)
            latest[correction.ticket_id] = Example(text, correction.new_category)
    return list(latest.values())


def training_rows(
    session: Session, settings: Settings, files: list[Path] | None = None
) -> list[Example]:
    """labels/data (or `files`) plus analysts' trainable corrections, deduplicated; a correction
    wins over a seed example with the same text, and the latest verdict wins over older ones."""
    seed = load_files(files or label_files(settings.labels_dir))
    return deduplicate([*seed, *corrections(session, holdout=False)])
