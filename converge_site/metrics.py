"""The ``/metrics`` endpoint: every worker's metrics plus the intent gauges computed now.

The counters live in :mod:`interfaces.metrics`. Intent and queue gauges are computed at scrape
time with one grouped query instead of being kept up to date on every write.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

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


QUEUE_WINDOW_HOURS = 24
_QUEUE_LABELS = ["repository", "target"]


def _queue_families() -> dict[str, GaugeMetricFamily]:
    def gauge(name: str, text: str, *labels: str) -> GaugeMetricFamily:
        return GaugeMetricFamily(name, text, labels=[*_QUEUE_LABELS, *labels])

    return {
        "merges": gauge("converge_queue_merges", "Merges of the last 24 h"),
        "blocks": gauge("converge_queue_blocks", "Blocks of the last 24 h by gate", "gate"),
        "batches": gauge(
            "converge_queue_batches",
            "Batches of the last 24 h by size and outcome",
            "size",
            "outcome",
        ),
        "bisections": gauge("converge_queue_bisections", "Bisections of the last 24 h"),
        "check_runs": gauge(
            "converge_queue_check_runs", "Check runs of the last 24 h, re-runs included"
        ),
        "durations": gauge(
            "converge_queue_check_duration_seconds",
            "Check durations of the last 24 h (nearest-rank quantiles)",
            "check",
            "quantile",
        ),
        "flaky": gauge(
            "converge_queue_check_flaky_rate",
            "Share of a check's verdicts that were flaky",
            "check",
        ),
        "waits": gauge(
            "converge_queue_wait_seconds",
            "Time from validation to merge, last 24 h (nearest-rank quantiles)",
            "quantile",
        ),
        "paused": gauge("converge_queue_paused", "1 while an operator has paused the queue"),
    }


class QueueCollector(Collector):
    """The queue analytics of the last 24 hours (``intents.queue.analytics``, bounded queries)
    and the paused queues, computed at scrape time."""

    def describe(self) -> Iterator[GaugeMetricFamily]:
        yield from _queue_families().values()

    def collect(self) -> Iterator[GaugeMetricFamily]:
        from datetime import timedelta

        from django.utils import timezone

        from intents.models import QueueControl, Repository
        from intents.queue.analytics import queue_analytics

        families = _queue_families()
        since = timezone.now() - timedelta(hours=QUEUE_WINDOW_HOURS)
        try:
            for repository in Repository.objects.order_by("pk")[:50]:
                report = queue_analytics(repository=repository, since=since)
                for target, figures in report["targets"].items():
                    _add_queue_figures(families, [repository.name, target], figures)
            for name, target in QueueControl.objects.filter(paused=True).values_list(
                "repository__name", "target"
            ):
                families["paused"].add_metric([name, target], 1)
        except DatabaseError:
            logger.warning("queue gauges skipped: the database is unavailable", exc_info=True)
            return
        yield from families.values()


def _add_queue_figures(
    families: dict[str, GaugeMetricFamily], labels: list[str], figures: dict[str, Any]
) -> None:
    families["merges"].add_metric(labels, figures["merges"])
    for gate, count in figures["blocks"]["by_gate"].items():
        families["blocks"].add_metric([*labels, gate], count)
    for size, outcomes in figures["batches"]["by_size"].items():
        for outcome, count in outcomes.items():
            families["batches"].add_metric([*labels, size, outcome], count)
    families["bisections"].add_metric(labels, figures["bisections"]["runs"])
    families["check_runs"].add_metric(labels, figures["check_runs"])
    for check, entry in figures["checks"].items():
        families["flaky"].add_metric([*labels, check], entry["flaky_rate"])
        for quantile in ("p50", "p95"):
            value = entry["duration_seconds"][quantile]
            if value is not None:
                families["durations"].add_metric([*labels, check, quantile], value)
    for quantile in ("p50", "p95"):
        value = figures["time_in_queue_seconds"][quantile]
        if value is not None:
            families["waits"].add_metric([*labels, quantile], value)


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
    scrape_registry.register(QueueCollector())
    body = prometheus_client.generate_latest(process_registry) + prometheus_client.generate_latest(
        scrape_registry
    )
    return HttpResponse(body, content_type=prometheus_client.CONTENT_TYPE_LATEST)
