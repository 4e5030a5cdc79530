"""Factories for the read models."""

from __future__ import annotations

import factory

from insights.models import TenantComplianceThresholds


class TenantComplianceThresholdsFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TenantComplianceThresholds

    tenant_id = factory.Sequence(lambda n: f"tenant-{n}")
    data = factory.LazyFunction(lambda: {"max_queue_tracked": 5})
