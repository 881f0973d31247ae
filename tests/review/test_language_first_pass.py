"""The first pass that answers "en" for plainly English tickets without the model: wherever it
answers, the model agrees; anything doubtful is left to the model."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from triage.review import language

ROOT = Path(__file__).resolve().parents[2]


def _repo_texts() -> list[str]:
    texts = []
    for path in sorted([*ROOT.glob("labels/data/*.jsonl"), *ROOT.glob("evals/golden/*.jsonl")]):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                texts.append(row.get("text") or f"{row.get('subject', '')}\n{row.get('body', '')}")
    return texts


def _model(text: str) -> str | None:
    code, probability = language._identifier().classify(text[: language.MAX_TEXT])
    return str(code) if probability >= language.MIN_PROBABILITY else None


def test_the_first_pass_agrees_with_the_model_on_the_repos_tickets() -> None:
    texts = _repo_texts()
    answered = [t for t in texts if language._plainly_english(t[: language.MAX_TEXT])]
    assert len(texts) > 1000 and len(answered) > len(texts) // 2
    assert [t for t in answered if _model(t) != "en"] == []


@pytest.mark.parametrize(
    "text",
    [
        # A Dutch greeting above an English line: the model says Dutch.
        "Hallo, kunnen jullie mij terugbellen?\n"
        "Hi, customer in Brazil keeps getting 'card_not_supported' with a Hipercard.",
        # An accented letter: the model decides.
        "Hi, the payout for our shop in Zürich has not arrived and we need it this week.",
        # English words, but too few of them among the rest.
        "Error: card_declined code 51 insufficient_funds acquirer ref 7781 mcc 5411 the end",
    ],
)
def test_doubtful_text_goes_to_the_model(text: str) -> None:
    assert not language._plainly_english(text)
    assert language.detect(text) == _model(text)


def test_a_plainly_english_ticket_is_english_without_the_model() -> None:
    text = "Hi, our settlement from Friday has not reached the bank. Can you check what happened?"
    assert language._plainly_english(text)
    assert language.detect(text) == "en" == _model(text)
