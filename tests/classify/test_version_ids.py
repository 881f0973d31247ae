"""Model version ids never read as a card number, even to a scanner that ignores separators."""

import hashlib
import re
from datetime import UTC, datetime, timedelta

from sqlmodel import Session

from tests.classify.samples import EXAMPLES
from triage.classify import registry
from triage.classify.models import ModelVersion
from triage.classify.train import train
from triage.tickets.models import Decision
from triage.writeback import notes

LEGACY_ID = "20261205-230931-8965b454"
SEPARATORS = re.compile(r"[\s\-._/:,;()\[\]]")


def _luhn(digits: str) -> bool:
    total = 0
    for i, char in enumerate(reversed(digits)):
        n = int(char) * (2 if i % 2 else 1)
        total += n - 9 if n > 9 else n
    return total % 10 == 0


def card_like_runs(text: str) -> list[str]:
    """What a separator-ignoring PAN scanner flags: 13-19 digits that pass Luhn, anywhere."""
    found = []
    for run in re.findall(r"\d{13,}", SEPARATORS.sub("", text)):
        for size in range(13, min(len(run), 19) + 1):
            found += [run[i : i + size] for i in range(len(run) - size + 1)]
    return [candidate for candidate in found if _luhn(candidate)]


def longest_digit_run(text: str) -> int:
    return max((len(r) for r in re.findall(r"\d+", SEPARATORS.sub("", text))), default=0)


def test_the_scanner_flags_the_old_id_form() -> None:
    assert card_like_runs(LEGACY_ID) == ["202612052309318965"]


def test_no_generated_id_has_a_card_like_digit_run() -> None:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    for n in range(3000):
        digest = hashlib.sha256(n.to_bytes(4, "big")).hexdigest()
        when = start + timedelta(seconds=n * 7919)
        version = registry.new_version_id(digest, when)
        assert version.startswith("clf-") and len(version) <= 64
        # Not merely Luhn-invalid by luck: no run comes near 13 digits.
        assert longest_digit_run(version) <= 8, version
        assert card_like_runs(version) == []


def test_ids_differ_by_digest_and_by_second() -> None:
    when = datetime(2026, 12, 5, 23, 9, 31, tzinfo=UTC)
    a, b = hashlib.sha256(b"a").hexdigest(), hashlib.sha256(b"b").hexdigest()
    assert registry.new_version_id(a, when) != registry.new_version_id(b, when)
    later = when + timedelta(seconds=1)
    assert registry.new_version_id(a, when) != registry.new_version_id(a, later)


def test_a_note_naming_an_old_version_has_no_card_like_run() -> None:
    decision = Decision(
        id=41,
        ticket_id=1,
        stage="classifier",
        category="settlement_delay",
        route="auto",
        model_version=LEGACY_ID,
        confidence=0.91,
        threshold=0.83,
    )
    note = notes.decision_note(decision, "normal", None)
    assert "sha 8965b454" in note and "2026-12-05 at 23:09:31" in note
    assert card_like_runs(note) == []


def test_a_version_stored_under_an_old_id_still_loads_and_activates(session: Session) -> None:
    fresh = registry.register(
        session,
        train(EXAMPLES, target_precision=0.9, min_examples=8),
        taxonomy_hash="t" * 64,
        created_by="test",
    )
    columns = fresh.model_dump(exclude={"id", "status"})
    session.add(ModelVersion(id=LEGACY_ID, status=registry.CANDIDATE, **columns))
    session.commit()

    registry.activate(session, LEGACY_ID, "lead@example.com")
    session.commit()

    active = registry.active_model(session)
    assert active is not None and active.version == LEGACY_ID
    assert active.predict("payout returned by the bank").category == "payout_failure"
    assert fresh.id.startswith("clf-")
