"""Health prediction from the scheduled snapshots, and issue signals (risk-policy §8.4, §8.5)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Avg, Count, Value
from django.db.models.functions import Coalesce
from django.db.models.lookups import GreaterThan
from django.utils import timezone

from converge_core.audit import format_timestamp
from converge_core.errors import InvalidInput
from converge_core.predictions import (
    WindowStats,
    health_prediction,
    issue_predictions,
    snapshot_series,
)
from insights.events import simulation_counts
from ledger.selectors import (
    EventWindow,
    event_aggregate,
    event_counts,
    event_feed,
    payload_number,
)
from semantic.selectors import overdue_conflicts

SNAPSHOT_LIMIT = 10_000
DAY = timedelta(hours=24)


def health_prediction_read(
    *, tenant_id: str | None = None, horizon_days: int = 7, now: datetime | None = None
) -> dict[str, Any]:
    """Project repo health from the ``health.snapshot`` events of the last 2 × horizon days.

    Only recorded (scheduled) snapshots count, so the projection does not depend on how often
    somebody looked at the health. The beat records one only when the value changed, so each
    snapshot stands for every 5-minute slot until the next (the last one before the window
    for the window's start).
    """
    if not 1 <= horizon_days <= 365:
        raise InvalidInput("horizon_days must be between 1 and 365", field="horizon_days")
    now = now or timezone.now()
    since = now - timedelta(days=2 * horizon_days)
    feed = event_feed(event_type="health.snapshot", tenant_id=tenant_id, until=now, by_time=True)
    before = feed.filter(timestamp__lt=since).values_list("timestamp", "payload").first()
    within = list(
        feed.filter(timestamp__gte=since)
        .reverse()
        .values_list("timestamp", "payload")[:SNAPSHOT_LIMIT]
    )
    points = ([before] if before is not None else []) + within
    series = snapshot_series(points, since=since, until=now)
    prediction = health_prediction(series, horizon_days=horizon_days)
    return {**prediction, "timestamp": format_timestamp(now), "tenant_id": tenant_id}


def window_stats(*, tenant_id: str | None, start: datetime, end: datetime) -> WindowStats:
    """Aggregates of ``[start, end)``: three queries whatever the number of events."""
    window: EventWindow = {"tenant_id": tenant_id, "since": start, "before": end}
    simulations, mergeable = simulation_counts(**window)
    propagation = payload_number("propagation_score")
    risk = event_aggregate(
        event_type="risk.evaluated",
        aggregates={
            "count": Count("pk"),
            "entropy": Avg(payload_number("entropy_score")),
            "propagation": Avg(propagation),
            "containment": Avg(Coalesce(payload_number("containment_score"), Value(1.0))),
            "high_propagation": Count("pk", filter=GreaterThan(propagation, 40.0)),
        },
        **window,
    )
    decisions = event_counts(
        event_type=("intent.requeued", "intent.merged", "intent.rejected"), **window
    )
    return WindowStats(
        simulations=simulations,
        unmergeable=simulations - mergeable,
        evaluations=risk["count"],
        avg_entropy=risk["entropy"] or 0.0,
        avg_propagation=risk["propagation"] or 0.0,
        avg_containment=risk["containment"] or 0.0,
        high_propagation=risk["high_propagation"],
        requeued=decisions["intent.requeued"],
        merged=decisions["intent.merged"],
        rejected=decisions["intent.rejected"],
    )


def issue_predictions_read(
    *, tenant_id: str | None = None, now: datetime | None = None
) -> list[dict[str, str]]:
    """Signals comparing the last 24 h with the 24 h before them."""
    now = now or timezone.now()
    current = replace(
        window_stats(tenant_id=tenant_id, start=now - DAY, end=now),
        overdue_semantic_conflicts=overdue_conflicts(tenant_id=tenant_id, now=now),
    )
    previous = window_stats(tenant_id=tenant_id, start=now - 2 * DAY, end=now - DAY)
    return issue_predictions(current, previous)
