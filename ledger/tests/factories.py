"""Event helpers for the tests of every app that reads the event log."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone

from ledger.append import event_append


def events(
    event_type: str,
    payloads: list[dict[str, Any]],
    *,
    hours_ago: float = 1.0,
    tenant_id: str | None = None,
    intent_id: str | None = None,
    now: datetime | None = None,
) -> None:
    """Append one ``event_type`` event per payload, ``hours_ago`` before ``now``."""
    when = (now or timezone.now()) - timedelta(hours=hours_ago)
    for payload in payloads:
        event_append(
            event_type=event_type,
            payload=payload,
            tenant_id=tenant_id,
            intent_id=intent_id,
            timestamp=when,
        )
