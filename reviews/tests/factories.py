"""Factories for the reviews domain."""

from __future__ import annotations

import factory
from django.utils import timezone

from converge_core.reviews import sla_deadline
from intents.tests.factories import IntentFactory
from reviews.models import ReviewTask


class ReviewTaskFactory(factory.django.DjangoModelFactory):
    """A stored review task (no event): for selectors, holds, the sweep and the console."""

    class Meta:
        model = ReviewTask

    id = factory.Sequence(lambda n: f"rev-{n:012x}")
    intent = factory.SubFactory(IntentFactory)
    status = "pending"
    priority = 3
    risk_level = "medium"
    trigger = "manual"
    created_at = factory.LazyFunction(timezone.now)
    sla_deadline = factory.LazyAttribute(
        lambda task: sla_deadline(task.created_at, task.risk_level)
    )
    tenant_id = factory.LazyAttribute(lambda task: task.intent.tenant_id)
    assigned_at = factory.LazyAttribute(
        lambda task: task.created_at if task.status == "assigned" else None
    )
