import json
from pathlib import Path

import pytest

from triage.classify import data
from triage.classify.data import DataError, Example


def test_ticket_text_joins_subject_and_body():
    assert (
        data.ticket_text("Payout failed", "  Bank said no.  ") == "Payout failed\n\nBank said no."
    )
    assert data.ticket_text("", "only a body") == "only a body"
    assert data.ticket_text(None, None) == ""


def test_training_text_is_redacted_like_a_webhook_ticket():
    row = {"subject": "Refund for card 4111 1111 1111 1111", "body": "please help", "label": "x"}
    text = data.row_text(row)
    assert "4111 1111 1111 1111" not in text
    assert text.endswith("please help")


def test_read_rows_accepts_both_formats_and_names_bad_lines(tmp_path: Path):
    path = tmp_path / "a.jsonl"
    lines = [{"text": "one", "label": "a"}, {"subject": "s", "body": "b", "label": "b"}]
    path.write_text("\n".join(json.dumps(line) for line in lines) + "\n\n")
    assert data.to_examples(data.read_rows(path)) == [Example("one", "a"), Example("s\n\nb", "b")]
    path.write_text('{"text": "one", "label": "a"}\n{"text": "no label"}\n')
    with pytest.raises(DataError, match=r"a\.jsonl:2"):
        data.read_rows(path)


def test_deduplicate_keeps_the_latest_label_for_a_text():
    examples = [
        Example("Refund  failed", "refund_issue"),
        Example("refund failed", "payout_failure"),
    ]
    assert data.deduplicate(examples) == [Example("refund failed", "payout_failure")]


def test_data_hash_ignores_order_but_not_labels():
    a, b = Example("x", "1"), Example("y", "2")
    assert data.data_hash([a, b]) == data.data_hash([b, a])
    assert data.data_hash([a, b]) != data.data_hash([a, Example("y", "3")])


def test_check_labels_against_the_taxonomy(tmp_path: Path):
    taxonomy = tmp_path / "taxonomy.yaml"
    taxonomy.write_text("version: 1\ncategories:\n  - {id: a, name: A}\n  - {id: b, name: B}\n")
    assert data.load_taxonomy(taxonomy) == ["a", "b"]
    with pytest.raises(DataError, match="zzz"):
        data.check_labels([Example("t", "zzz")], ["a", "b"])
    # "unclear" is trained without being a taxonomy category (it routes nowhere).
    data.check_labels([Example("hi", data.UNCLEAR), Example("t", "a")], ["a", "b"])
