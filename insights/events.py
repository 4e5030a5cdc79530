"""Query helpers shared by the projections: events of a tenant in a window, numeric payloads."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.db.models import FloatField, QuerySet
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast

from converge_core.states import ACTIVE
from intents.models import Intent
from ledger.models import Event


def events_of(
    event_types: Iterable[str],
    *,
    tenant_id: str | None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> QuerySet[Event]:
    queryset = Event.objects.filter(event_type__in=list(event_types))
    if tenant_id is not None:
        queryset = queryset.filter(tenant_id=tenant_id)
    if since is not None:
        queryset = queryset.filter(timestamp__gte=since)
    if until is not None:
        queryset = queryset.filter(timestamp__lte=until)
    return queryset


def payload_number(key: str) -> Any:
    """A numeric payload key as a float expression (NULL when absent)."""
    return Cast(KeyTextTransform(key, "payload"), FloatField())


def intents_of(tenant_id: str | None) -> QuerySet[Intent]:
    queryset = Intent.objects.all()
    if tenant_id is not None:
        queryset = queryset.filter(tenant_id=tenant_id)
    return queryset


def active_intents(tenant_id: str | None) -> QuerySet[Intent]:
    return intents_of(tenant_id).filter(status__in=[str(status) for status in ACTIVE])
