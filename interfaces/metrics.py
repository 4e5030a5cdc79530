"""Prometheus metrics of the API process: requests, rate-limit refusals and validations.

Under ``converge serve`` the gunicorn workers share ``PROMETHEUS_MULTIPROC_DIR`` (prometheus
client multiprocess mode), so a scrape sees every worker; ``converge_site.metrics`` serves
``/metrics``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import prometheus_client
from prometheus_client import Counter, Gauge, Histogram

prometheus_client.disable_created_metrics()

HTTP_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})

HTTP_REQUESTS = Counter(
    "converge_http_requests", "HTTP requests by outcome", ["method", "path", "status"]
)
HTTP_DURATION = Histogram(
    "converge_http_request_duration_seconds", "HTTP request latency", ["method", "path"]
)
HTTP_ERRORS = Counter(
    "converge_http_errors", "HTTP responses with status >= 500", ["method", "path"]
)
THROTTLED = Counter(
    "converge_rate_limit_throttled", "Requests refused by the rate limiter", ["tenant"]
)
# A gauge summed over workers so the series keeps the reference's exact name (a counter would
# gain a _total suffix); it only ever increases.
THROTTLED_GLOBAL = Gauge(
    "converge_rate_limit_throttled_global",
    "Requests refused by the rate limiter, all buckets",
    multiprocess_mode="sum",
)
VALIDATIONS = Counter("converge_validations", "Validation decisions", ["decision"])
VALIDATION_BLOCKS = Counter(
    "converge_validation_blocks", "Blocked validations by failing gate", ["gate"]
)
VALIDATION_DURATION = Histogram(
    "converge_validation_duration_seconds",
    "Duration of a validation pipeline run",
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300),
)


def observe_request(method: str, path: str, status: int, seconds: float) -> None:
    method = method if method in HTTP_METHODS else "OTHER"
    HTTP_REQUESTS.labels(method=method, path=path, status=str(status)).inc()
    HTTP_DURATION.labels(method=method, path=path).observe(seconds)
    if status >= 500:
        HTTP_ERRORS.labels(method=method, path=path).inc()


def observe_throttle(tenant_label: str) -> None:
    THROTTLED.labels(tenant=tenant_label).inc()
    THROTTLED_GLOBAL.inc()


def blocking_gates(decision: Mapping[str, Any]) -> list[str]:
    """The gates a blocked decision failed; blocks before the policy name their stage."""
    policy = decision.get("policy") or {}
    gates = [gate["gate"] for gate in policy.get("gates", []) if not gate.get("passed", True)]
    if gates:
        return gates
    return ["checks"] if decision.get("checks") else ["simulation"]


def observe_validation(decision: Mapping[str, Any], seconds: float) -> None:
    outcome = str(decision.get("decision", "unknown"))
    VALIDATIONS.labels(decision=outcome).inc()
    VALIDATION_DURATION.observe(seconds)
    if outcome == "blocked":
        for gate in blocking_gates(decision):
            VALIDATION_BLOCKS.labels(gate=gate).inc()


# Counted by the worker processes: visible at /metrics when they share PROMETHEUS_MULTIPROC_DIR
# with the API; the converge_intents_set_aside gauge shows the result from any process.
PROCESSING_FAILURES = Counter(
    "converge_intent_processing_failures",
    "Unexpected errors while the worker processed an intent (the intent was set aside)",
    ["stage", "error_class"],
)


def observe_processing_failure(stage: str, error_class: str) -> None:
    PROCESSING_FAILURES.labels(stage=stage, error_class=error_class).inc()
