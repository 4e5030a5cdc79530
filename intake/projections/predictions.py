"""Health prediction from the scheduled snapshots, and issue signals (risk-policy §8.4, §8.5)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.db.models import Avg, Count, Q, Value
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
from intake.projections.events import events_of, payload_number
from intents.models import Event

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
    snapshots = events_of(["health.snapshot"], tenant_id=tenant_id, until=now).values_list(
        "timestamp", "payload"
    )
    before = snapshots.filter(timestamp__lt=since).order_by("-timestamp", "-seq").first()
    within = list(
        snapshots.filter(timestamp__gte=since).order_by("timestamp", "seq")[:SNAPSHOT_LIMIT]
    )
    points = ([before] if before is not None else []) + within
    series = snapshot_series(points, since=since, until=now)
    prediction = health_prediction(series, horizon_days=horizon_days)
    return {**prediction, "timestamp": format_timestamp(now), "tenant_id": tenant_id}


def _window(tenant_id: str | None, start: datetime, end: datetime) -> Any:
    queryset = Event.objects.filter(timestamp__gte=start, timestamp__lt=end)
    if tenant_id is not None:
        queryset = queryset.filter(tenant_id=tenant_id)
    return queryset


def window_stats(*, tenant_id: str | None, start: datetime, end: datetime) -> WindowStats:
    """Aggregates of ``[start, end)``: four queries whatever the number of events."""
    events = _window(tenant_id, start, end)
    simulations = events.filter(event_type="simulation.completed").aggregate(
        total=Count("pk"), mergeable=Count("pk", filter=Q(payload__mergeable=True))
    )
    propagation = payload_number("propagation_score")
    risk = events.filter(event_type="risk.evaluated").aggregate(
        count=Count("pk"),
        entropy=Avg(payload_number("entropy_score")),
        propagation=Avg(propagation),
        containment=Avg(Coalesce(payload_number("containment_score"), Value(1.0))),
        high_propagation=Count("pk", filter=GreaterThan(propagation, 40.0)),
    )
    decisions = events.filter(
        event_type__in=("intent.requeued", "intent.merged", "intent.rejected")
    ).aggregate(
        requeued=Count("pk", filter=Q(event_type="intent.requeued")),
        merged=Count("pk", filter=Q(event_type="intent.merged")),
        rejected=Count("pk", filter=Q(event_type="intent.rejected")),
    )
    return WindowStats(
        simulations=simulations["total"],
        unmergeable=simulations["total"] - simulations["mergeable"],
        evaluations=risk["count"],
        avg_entropy=risk["entropy"] or 0.0,
        avg_propagation=risk["propagation"] or 0.0,
        avg_containment=risk["containment"] or 0.0,
        high_propagation=risk["high_propagation"],
        requeued=decisions["requeued"],
        merged=decisions["merged"],
        rejected=decisions["rejected"],
    )


def issue_predictions_read(
    *, tenant_id: str | None = None, now: datetime | None = None
) -> list[dict[str, str]]:
    """Signals comparing the last 24 h with the 24 h before them."""
    now = now or timezone.now()
    current = window_stats(tenant_id=tenant_id, start=now - DAY, end=now)
    previous = window_stats(tenant_id=tenant_id, start=now - 2 * DAY, end=now - DAY)
    return issue_predictions(current, previous)
