"""/metrics has samples in every family an ingested ticket touches, and no ticket text."""

from __future__ import annotations

import re

from tests.ops.conftest import Ops

# Families one ingested ticket must give samples to (not only a "# HELP" line, which every
# family declared in triage.metrics has from import on, traffic or not).
INGEST_FAMILIES = (
    "triage_http_request_seconds",
    "triage_tickets_total",
    "triage_classify_seconds",
    "triage_job_queue_depth",
    "triage_job_queue_age_seconds",
    "triage_redactions_total",
    "triage_active_model_info",
)


def _samples(text: str, family: str) -> list[str]:
    return [line for line in text.splitlines() if re.match(rf"{family}(_[a-z]+)?[{{ ]", line)]


def test_metrics_expose_every_family_and_no_ticket_text(ops: Ops) -> None:
    secret_phrase = "Zebrafish Logistics quarterly reconciliation"
    ops.ingest(
        "94001", "Payout failed", f"{secret_phrase}: card 4111 1111 1111 1111 payout bounced"
    )
    text = ops.client.get("/metrics").text
    for family in INGEST_FAMILIES:
        assert _samples(text, family), family
    assert (
        'triage_http_request_seconds_bucket{le="0.005",method="POST",route="/webhooks/zendesk"'
        in text
    )
    assert 'triage_tickets_total{category="payout_failure",route=' in text
    assert "triage_classify_seconds_count" in text
    assert 'triage_redactions_total{type="PAN"}' in text
    assert 'triage_job_queue_depth{status="queued"}' in text
    assert f'triage_active_model_info{{version="{ops.first_version}"}} 1.0' in text
    # Whole card forms only: a bare "4111" can occur inside any latency sum.
    assert "Zebrafish" not in text and "bounced" not in text
    assert "4111 1111" not in text and "4111111111111111" not in text
