"""Prometheus metrics. Labels are low-cardinality ids (route, category, team), never ticket text."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

REQUEST_LATENCY = Histogram(
    "triage_http_request_seconds", "HTTP request latency", ["method", "route", "status"]
)
TICKETS = Counter("triage_tickets_total", "Tickets ingested", ["source", "category", "route"])
DELIVERIES = Counter("triage_webhook_deliveries_total", "Webhook deliveries", ["source", "outcome"])
REDACTIONS = Counter("triage_redactions_total", "Redacted entities", ["type"])
CLASSIFY_LATENCY = Histogram(
    "triage_classify_seconds",
    "Classifier latency",
    buckets=(0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1),
)
MODEL_INFO = Gauge("triage_active_model_info", "Active model version (value 1)", ["version"])
# ops (issue 8): shadow predictions, labelled only by whether they agree with the active model.
SHADOW_PREDICTIONS = Counter(
    "triage_shadow_predictions_total", "Shadow model predictions", ["agrees"]
)

# Jobs and write-back. Queue depth and age are read from the jobs table at scrape time, so every
# API process reports the same figures however many worker processes there are.
JOB_RUN = Histogram("triage_job_run_seconds", "Handler run time", ["kind", "outcome"])
JOB_LATENCY = Histogram(
    "triage_job_latency_seconds",
    "Enqueue to completion",
    ["kind"],
    buckets=(0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600),
)
JOB_RETRIES = Counter("triage_job_retries_total", "Jobs rescheduled after a failure", ["kind"])
JOBS_DEAD = Counter("triage_jobs_dead_total", "Jobs that ran out of attempts", ["kind"])
WRITEBACKS = Counter("triage_writebacks_total", "Write-back outcomes", ["target", "outcome"])


# LLM fallback: labels are team, model id and outcome codes only.
LLM_LATENCY = Histogram(
    "triage_llm_latency_seconds",
    "LLM fallback latency (call or cache lookup)",
    ["team", "model"],
    buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 40),
)
LLM_TOKENS = Counter("triage_llm_tokens_total", "LLM tokens", ["team", "model", "direction"])
LLM_COST = Counter("triage_llm_cost_usd_total", "LLM cost in US dollars", ["team", "model"])
LLM_CALLS = Counter("triage_llm_calls_total", "LLM fallback runs by outcome", ["outcome"])
LLM_BUDGET_REMAINING = Gauge(
    "triage_llm_budget_remaining_tokens", "Tokens left in a team's budget", ["team", "period"]
)
LLM_ENABLED = Gauge("triage_llm_enabled", "1 when the LLM fallback is configured, else 0")
LLM_BREAKER_OPEN = Gauge("triage_llm_breaker_open", "1 while this process's LLM breaker is open")
