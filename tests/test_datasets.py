"""Hand-written data: complete, labelled from the taxonomy; golden never overlaps training."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
NEAR_DUPLICATE = 0.5


def _rows(path: Path) -> list[dict[str, str]]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def _text(row: dict[str, str]) -> str:
    return row.get("text") or f"{row.get('subject', '')}\n{row.get('body', '')}"


def _shingles(text: str, n: int = 5) -> set[str]:
    norm = re.sub(r"\W+", " ", text.lower()).strip()
    return {norm[i : i + n] for i in range(max(1, len(norm) - n + 1))}


def _similarity(a: set[str], b: set[str]) -> float:
    return len(a & b) / min(len(a), len(b)) if a and b else 0.0


def _taxonomy_ids() -> set[str]:
    data = yaml.safe_load((ROOT / "labels" / "taxonomy.yaml").read_text())
    return {c["id"] for c in data["categories"]}


def _training() -> list[dict[str, str]]:
    return [
        row for path in sorted((ROOT / "labels" / "data").glob("*.jsonl")) for row in _rows(path)
    ]


def _golden_categories() -> list[dict[str, str]]:
    return _rows(ROOT / "evals" / "golden" / "merchant_tickets.jsonl")


def _golden_unclear() -> list[dict[str, str]]:
    return _rows(ROOT / "evals" / "golden" / "unclear_tickets.jsonl")


def _golden() -> list[dict[str, str]]:
    return _golden_categories() + _golden_unclear()


def test_every_category_has_enough_training_and_golden_examples() -> None:
    ids = _taxonomy_ids()
    train = Counter(row["label"] for row in _training())
    golden = Counter(row["label"] for row in _golden_categories())
    # "unclear" is trained like a category but routes nowhere, so the taxonomy does not list it.
    assert set(train) == ids | {"unclear"} and set(golden) == ids
    assert min(train.values()) >= 60
    assert min(golden.values()) >= 20


def test_unclear_tickets_are_held_out_in_their_own_golden_file() -> None:
    assert {row["label"] for row in _golden_unclear()} == {"unclear"}
    assert len(_golden_unclear()) >= 30


def test_rows_have_a_known_shape() -> None:
    for row in _training() + _golden():
        assert set(row) in ({"text", "label"}, {"subject", "body", "label"}), row.keys()
        assert _text(row).strip()


def test_golden_set_never_near_duplicates_training_data() -> None:
    train = [_shingles(_text(r)) for r in _training()]
    overlaps = []
    for row in _golden():
        golden = _shingles(_text(row))
        best = max(_similarity(golden, t) for t in train)
        if best >= NEAR_DUPLICATE:
            overlaps.append((round(best, 2), _text(row)[:60]))
    assert overlaps == []


def test_the_duplicate_check_catches_a_light_edit() -> None:
    original = _text(_training()[0])
    edited = original.replace(".", "!").upper() + " thanks"
    assert _similarity(_shingles(original), _shingles(edited)) >= NEAR_DUPLICATE
