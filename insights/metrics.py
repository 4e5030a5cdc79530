"""Integration metrics over the whole log (risk-policy §8.8)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import Count, Q
from django.utils import timezone

from converge_core.audit import format_timestamp
from insights.events import events_of


def integration_metrics(
    *, tenant_id: str | None = None, now: datetime | None = None
) -> dict[str, Any]:
    simulations = events_of(["simulation.completed"], tenant_id=tenant_id).aggregate(
        total=Count("pk"), mergeable=Count("pk", filter=Q(payload__mergeable=True))
    )
    decisions = events_of(
        ["intent.merged", "intent.rejected", "intent.blocked"], tenant_id=tenant_id
    ).aggregate(
        merged=Count("pk", filter=Q(event_type="intent.merged")),
        rejected=Count("pk", filter=Q(event_type="intent.rejected")),
        blocked=Count("pk", filter=Q(event_type="intent.blocked")),
    )
    total = simulations["total"]
    return {
        "total_simulations": total,
        "mergeable": simulations["mergeable"],
        "mergeable_rate": round(simulations["mergeable"] / total, 3) if total else 1.0,
        "total_merged": decisions["merged"],
        "total_rejected": decisions["rejected"],
        "total_blocked": decisions["blocked"],
        "decision_distribution": dict(decisions),
        "tenant_id": tenant_id,
        "timestamp": format_timestamp(now or timezone.now()),
    }
