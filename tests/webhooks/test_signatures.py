from __future__ import annotations

import pytest

from triage.errors import TriageError
from triage.webhooks import signatures

# Zendesk's published test vector: it verifies only as body + timestamp.
ZD_SECRET = b"HRkRd4BeOAoUkfZr-mhauJT64rvBASlJRoIyPsd3zeA="
ZD_BODY = b'{"say": "hello"}'
ZD_TS = "2021-07-25T10:00:00Z"
ZD_SIG = "tRDSF7URY8BLCDlaBcQ7FHu051Zk+aAB0NKMP53teMw="


def test_zendesk_published_vector_verifies() -> None:
    assert signatures.zendesk_valid([ZD_SECRET], ZD_TS, ZD_BODY, ZD_SIG)


def test_zendesk_vector_is_the_body_then_timestamp_order() -> None:
    ts_first, body_first = signatures.zendesk_signatures(ZD_SECRET, ZD_TS, ZD_BODY)
    assert body_first == ZD_SIG
    assert ts_first != ZD_SIG


def test_zendesk_timestamp_then_body_order_also_accepted() -> None:
    ts_first, _ = signatures.zendesk_signatures(b"k", "2026-01-01T00:00:00Z", b"{}")
    assert signatures.zendesk_valid([b"k"], "2026-01-01T00:00:00Z", b"{}", ts_first)


@pytest.mark.parametrize(
    ("secrets", "body", "ts"),
    [
        ([b"wrong"], ZD_BODY, ZD_TS),
        ([ZD_SECRET], b'{"say": "hello!"}', ZD_TS),
        ([ZD_SECRET], ZD_BODY, "2021-07-25T10:00:01Z"),
        ([], ZD_BODY, ZD_TS),
    ],
)
def test_zendesk_rejects_tampering(secrets: list[bytes], body: bytes, ts: str) -> None:
    assert not signatures.zendesk_valid(secrets, ts, body, ZD_SIG)


def test_rotation_accepts_old_and_new_secret() -> None:
    sig = signatures.servicenow_signature(b"old", "1700000000", b"{}")
    assert signatures.servicenow_valid([b"new", b"old"], "1700000000", b"{}", sig)
    assert not signatures.servicenow_valid([b"new"], "1700000000", b"{}", sig)


def test_servicenow_signature_format() -> None:
    sig = signatures.servicenow_signature(b"s", "1700000000", b'{"a":1}')
    assert sig.startswith("v1=") and len(sig) == 3 + 64


def test_freshness_window() -> None:
    signatures.check_fresh(1000.0, 300, now=1299.0)
    with pytest.raises(TriageError) as err:
        signatures.check_fresh(1000.0, 300, now=1301.0)
    assert err.value.status_code == 401


@pytest.mark.parametrize("value", ["yesterday", "", "2021-13-45T00:00:00Z"])
def test_bad_zendesk_timestamp_is_401(value: str) -> None:
    with pytest.raises(TriageError) as err:
        signatures.parse_zendesk_timestamp(value)
    assert err.value.status_code == 401


def test_bad_unix_timestamp_is_401() -> None:
    with pytest.raises(TriageError) as err:
        signatures.parse_unix_timestamp("12.5x")
    assert err.value.status_code == 401
