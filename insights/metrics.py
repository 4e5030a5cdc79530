"""Integration metrics over the whole log (risk-policy §8.8)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils import timezone

from converge_core.audit import format_timestamp
from insights.events import simulation_counts
from ledger.selectors import event_counts


def integration_metrics(
    *, tenant_id: str | None = None, now: datetime | None = None
) -> dict[str, Any]:
    total, mergeable = simulation_counts(tenant_id=tenant_id)
    counts = event_counts(
        event_type=["intent.merged", "intent.rejected", "intent.blocked"], tenant_id=tenant_id
    )
    decisions = {
        "merged": counts["intent.merged"],
        "rejected": counts["intent.rejected"],
        "blocked": counts["intent.blocked"],
    }
    return {
        "total_simulations": total,
        "mergeable": mergeable,
        "mergeable_rate": round(mergeable / total, 3) if total else 1.0,
        "total_merged": decisions["merged"],
        "total_rejected": decisions["rejected"],
        "total_blocked": decisions["blocked"],
        "decision_distribution": decisions,
        "tenant_id": tenant_id,
        "timestamp": format_timestamp(now or timezone.now()),
    }
