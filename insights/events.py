"""Query helpers shared by the projections: a tenant's intents, the simulations of a window."""

from __future__ import annotations

from typing import Unpack

from django.db.models import Count, QuerySet

from converge_core.states import ACTIVE
from intents.models import Intent
from ledger.selectors import EventWindow, event_aggregate, payload_is


def simulation_counts(**window: Unpack[EventWindow]) -> tuple[int, int]:
    """How many simulations the window recorded, and how many of them were mergeable."""
    counts = event_aggregate(
        event_type="simulation.completed",
        aggregates={
            "total": Count("pk"),
            "mergeable": Count("pk", filter=payload_is("mergeable", True)),
        },
        **window,
    )
    return counts["total"], counts["mergeable"]


def intents_of(tenant_id: str | None) -> QuerySet[Intent]:
    queryset = Intent.objects.all()
    if tenant_id is not None:
        queryset = queryset.filter(tenant_id=tenant_id)
    return queryset


def active_intents(tenant_id: str | None) -> QuerySet[Intent]:
    return intents_of(tenant_id).filter(status__in=ACTIVE)
