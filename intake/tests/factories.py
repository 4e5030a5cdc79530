"""Factories and event helpers for the intake domain."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import factory
from django.utils import timezone

from insights.models import TenantComplianceThresholds
from intake.models import IntakeOverride
from ledger.append import event_append


class IntakeOverrideFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = IntakeOverride

    tenant_id = ""
    mode = "throttle"
    reason = "tests"
    set_by = "ops"
    set_at = factory.LazyFunction(timezone.now)


class TenantComplianceThresholdsFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TenantComplianceThresholds

    tenant_id = factory.Sequence(lambda n: f"tenant-{n}")
    data = factory.LazyFunction(lambda: {"max_queue_tracked": 5})


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
