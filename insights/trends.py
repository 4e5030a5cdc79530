"""Series over the last ``days`` days, newest first (risk-policy §8.3)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone

from converge_core.audit import format_timestamp
from converge_core.errors import InvalidInput
from ledger.selectors import event_feed


def _window(days: int, limit: int, now: datetime | None) -> datetime:
    if not 1 <= days <= 3650:
        raise InvalidInput("days must be between 1 and 3650", field="days")
    if not 1 <= limit <= 10_000:
        raise InvalidInput("limit must be between 1 and 10000", field="limit")
    return (now or timezone.now()) - timedelta(days=days)


def _rows(event_type: str, tenant_id: str | None, since: datetime, limit: int) -> Any:
    feed = event_feed(event_type=event_type, tenant_id=tenant_id, since=since, by_time=True)
    return feed.values_list("timestamp", "intent_id", "payload")[:limit]


def risk_trend(
    *, tenant_id: str | None = None, days: int = 30, limit: int = 500, now: datetime | None = None
) -> list[dict[str, Any]]:
    since = _window(days, limit, now)
    return [
        {
            "timestamp": format_timestamp(timestamp),
            "intent_id": intent_id,
            "risk_score": payload.get("risk_score"),
            "damage_score": payload.get("damage_score"),
            "entropy_score": payload.get("entropy_score"),
        }
        for timestamp, intent_id, payload in _rows("risk.evaluated", tenant_id, since, limit)
    ]


def entropy_trend(
    *, tenant_id: str | None = None, days: int = 30, limit: int = 500, now: datetime | None = None
) -> list[dict[str, Any]]:
    since = _window(days, limit, now)
    return [
        {
            "timestamp": format_timestamp(timestamp),
            "intent_id": intent_id,
            "entropy_score": payload.get("entropy_score"),
        }
        for timestamp, intent_id, payload in _rows("risk.evaluated", tenant_id, since, limit)
    ]


def health_trend(
    *, tenant_id: str | None = None, days: int = 30, limit: int = 200, now: datetime | None = None
) -> list[dict[str, Any]]:
    """The recorded ``health.snapshot`` payloads: each is the health from its timestamp until
    the next one (the beat records a snapshot only when the value changed)."""
    since = _window(days, limit, now)
    return [payload for _, _, payload in _rows("health.snapshot", tenant_id, since, limit)]


def change_health_trend(
    *, tenant_id: str | None = None, days: int = 30, limit: int = 500, now: datetime | None = None
) -> list[dict[str, Any]]:
    """The recorded ``health.change_snapshot`` payloads (one per intent decision)."""
    since = _window(days, limit, now)
    return [payload for _, _, payload in _rows("health.change_snapshot", tenant_id, since, limit)]
