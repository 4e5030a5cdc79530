"""Factories for the intake domain."""

from __future__ import annotations

import factory
from django.utils import timezone

from intake.models import IntakeOverride


class IntakeOverrideFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = IntakeOverride

    tenant_id = ""
    mode = "throttle"
    reason = "tests"
    set_by = "ops"
    set_at = factory.LazyFunction(timezone.now)
