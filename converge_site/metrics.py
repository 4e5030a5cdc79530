"""Prometheus metrics of the API process and the ``/metrics`` endpoint.

Under ``converge serve`` the gunicorn workers share ``PROMETHEUS_MULTIPROC_DIR`` (prometheus
client multiprocess mode), so a scrape sees every worker. Intent and queue gauges are computed
at scrape time with one grouped query instead of being kept up to date on every write.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from typing import Any

import prometheus_client
from django.db import DatabaseError
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, multiprocess
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from converge_site import envvars
from converge_site.exceptions import method_not_allowed

logger = logging.getLogger("converge.metrics")

prometheus_client.disable_created_metrics()

HTTP_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
ACTIVE_STATUSES = ("READY", "VALIDATED", "QUEUED")

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
# Counted by the worker processes: visible at /metrics when they share PROMETHEUS_MULTIPROC_DIR
# with the API; the converge_intents_set_aside gauge shows the result from any process.
PROCESSING_FAILURES = Counter(
    "converge_intent_processing_failures",
    "Unexpected errors while the worker processed an intent (the intent was set aside)",
    ["stage", "error_class"],
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


def observe_processing_failure(stage: str, error_class: str) -> None:
    PROCESSING_FAILURES.labels(stage=stage, error_class=error_class).inc()


def _intent_families() -> tuple[GaugeMetricFamily, GaugeMetricFamily, GaugeMetricFamily]:
    return (
        GaugeMetricFamily("converge_intents", "Intents by status", labels=["status"]),
        GaugeMetricFamily(
            "converge_queue_depth",
            "Active intents by status and tenant",
            labels=["status", "tenant"],
        ),
        GaugeMetricFamily(
            "converge_intents_set_aside",
            "Intents the worker set aside after a processing failure, back-off in force",
        ),
    )


class IntentCollector(Collector):
    """Intents by status and queue depth per tenant, from one grouped query per scrape, and the
    intents set aside after a processing failure."""

    def describe(self) -> Iterator[GaugeMetricFamily]:
        # Registration asks for the metric names; answering without a query keeps the
        # database out of registration.
        yield from _intent_families()

    def collect(self) -> Iterator[GaugeMetricFamily]:
        from django.utils import timezone

        from intents.models import Intent, ProcessingFailure

        try:
            rows = list(
                Intent.objects.order_by()
                .values_list("status", "tenant_id")
                .annotate(count=Count("pk"))
            )
            set_aside = ProcessingFailure.objects.filter(retry_at__gt=timezone.now()).count()
        except DatabaseError:
            logger.warning("intent gauges skipped: the database is unavailable", exc_info=True)
            return
        by_status, depth, aside = _intent_families()
        totals: dict[str, int] = {}
        for status, tenant, count in rows:
            totals[status] = totals.get(status, 0) + count
            if status in ACTIVE_STATUSES:
                depth.add_metric([status, tenant or "none"], count)
        for status in ("READY", "VALIDATED", "QUEUED", "MERGED", "REJECTED"):
            by_status.add_metric([status], totals.get(status, 0))
        aside.add_metric([], set_aside)
        yield by_status
        yield depth
        yield aside


def metrics_view(request: HttpRequest) -> HttpResponse:
    """``GET /metrics``: every worker's metrics plus the gauges computed now."""
    if request.method not in ("GET", "HEAD"):
        return method_not_allowed()
    if envvars.value("PROMETHEUS_MULTIPROC_DIR"):
        process_registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(process_registry)
    else:
        process_registry = prometheus_client.REGISTRY
    scrape_registry = CollectorRegistry(auto_describe=False)
    scrape_registry.register(IntentCollector())
    body = prometheus_client.generate_latest(process_registry) + prometheus_client.generate_latest(
        scrape_registry
    )
    return HttpResponse(body, content_type=prometheus_client.CONTENT_TYPE_LATEST)
