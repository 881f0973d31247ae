"""/metrics holds every family the issue lists, with samples after traffic, and no ticket text."""

from __future__ import annotations

from tests.ops.conftest import Ops

FAMILIES = (
    "triage_http_request_seconds",
    "triage_tickets_total",
    "triage_classify_seconds",
    "triage_llm_latency_seconds",
    "triage_llm_tokens_total",
    "triage_llm_cost_usd_total",
    "triage_llm_budget_remaining_tokens",
    "triage_job_queue_depth",
    "triage_job_queue_age_seconds",
    "triage_writebacks_total",
    "triage_redactions_total",
    "triage_shadow_predictions_total",
    "triage_active_model_info",
)


def test_metrics_expose_every_family_and_no_ticket_text(ops: Ops) -> None:
    secret_phrase = "Zebrafish Logistics quarterly reconciliation"
    ops.ingest(
        "94001", "Payout failed", f"{secret_phrase}: card 4111 1111 1111 1111 payout bounced"
    )
    text = ops.client.get("/metrics").text
    for family in FAMILIES:
        assert f"# HELP {family} " in text, family
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
