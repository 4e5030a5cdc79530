"""The ``/metrics`` endpoint: every worker's metrics plus the intent gauges computed now.

The counters live in :mod:`interfaces.metrics`. Intent and queue gauges are computed at scrape
time with one grouped query instead of being kept up to date on every write.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

import prometheus_client
from django.db import DatabaseError
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from prometheus_client import CollectorRegistry, multiprocess
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from converge_core.states import ACTIVE, Status
from converge_site import envvars
from interfaces.exceptions import method_not_allowed

logger = logging.getLogger("converge.metrics")


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
            if status in ACTIVE:
                depth.add_metric([status, tenant or "none"], count)
        for status in Status:
            by_status.add_metric([str(status)], totals.get(status, 0))
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
