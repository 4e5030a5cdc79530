"""Factories for the flags domain."""

from __future__ import annotations

import factory
from django.utils import timezone

from flags.models import FlagOverride


class FlagOverrideFactory(factory.django.DjangoModelFactory):
    """A stored runtime override (no event): for selectors and the console."""

    class Meta:
        model = FlagOverride

    name = "notifications"
    enabled = True
    mode = None
    set_by = "ops"
    set_at = factory.LazyFunction(timezone.now)
