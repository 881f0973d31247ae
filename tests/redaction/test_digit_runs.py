"""The digit runs the card guard looks at: separators vanish only between digits that join up."""

import pytest

from triage.redaction.normalize import digits_only_runs


@pytest.mark.parametrize(
    ("text", "runs"),
    [
        ("card 4111 1111 1111 1111 please", ["4111111111111111"]),
        ("4111-1111/1111.1111", ["4111111111111111"]),
        ("4111\n> 1111\n> 1111\n> 1111", ["4111111111111111"]),
        ("a 4111 1111 b 1111 1111", []),  # a letter ends the stretch
        ("12 34 56 78 90 12 3", ["1234567890123"]),
        ("12 34 56 78 90 12", []),  # twelve digits, however spaced
        ("order 88812, 2026-11-20, 77", ["888122026112077"]),
        ("order 88812, batch 2026-11-20, ticket 77", []),
        ("4111111111111111 x 5500000000000004", ["4111111111111111", "5500000000000004"]),
        ("４１１１ １１１１ １１１１ １１１１", ["4111111111111111"]),
        ("&#52;111 1111 1111 1111", ["4111111111111111"]),
        ("no digits at all, only words and - separators .", []),
    ],
)
def test_runs_join_across_separators_only(text: str, runs: list[str]) -> None:
    assert digits_only_runs(text) == runs
