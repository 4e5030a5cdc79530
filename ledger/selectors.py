"""Reading the event log: the one place outside the ledger's own services that queries it."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any

from django.db.models import Max, QuerySet

from ledger.models import Event, PruneCheckpoint

_CHUNK = 2000


def _types(event_type: str | Iterable[str]) -> list[str]:
    return [event_type] if isinstance(event_type, str) else list(event_type)


def event_feed(
    *,
    event_type: str | Iterable[str] | None = None,
    event_type_prefix: str | None = None,
    intent_id: str | None = None,
    intent_ids: Iterable[str] | None = None,
    tenant_id: str | None = None,
    agent_id: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> QuerySet[Event]:
    """Events matching every given filter, newest first (slice it for a page)."""
    queryset = Event.objects.all()
    if event_type is not None:
        queryset = queryset.filter(event_type__in=_types(event_type))
    if event_type_prefix is not None:
        queryset = queryset.filter(event_type__startswith=event_type_prefix)
    if intent_id is not None:
        queryset = queryset.filter(intent_id=intent_id)
    if intent_ids is not None:
        queryset = queryset.filter(intent_id__in=list(intent_ids))
    if tenant_id is not None:
        queryset = queryset.filter(tenant_id=tenant_id)
    if agent_id is not None:
        queryset = queryset.filter(agent_id=agent_id)
    if since is not None:
        queryset = queryset.filter(timestamp__gte=since)
    if until is not None:
        queryset = queryset.filter(timestamp__lt=until)
    return queryset.order_by("-seq")


def latest_event(*, intent_id: str, event_type: str | Iterable[str]) -> Event | None:
    """The most recent event of a type (or of any of several types) for one intent."""
    return event_feed(intent_id=intent_id, event_type=event_type).first()


def latest_payload(*, intent_id: str, event_type: str | Iterable[str]) -> dict[str, Any] | None:
    event = latest_event(intent_id=intent_id, event_type=event_type)
    return event.payload if event is not None else None


def latest_events(
    *, intent_ids: Iterable[str], event_type: str | Iterable[str]
) -> dict[str, Event]:
    """The latest event of a type for each of many intents, in one query."""
    ids = list(intent_ids)
    if not ids:
        return {}
    newest = (
        Event.objects.filter(intent_id__in=ids, event_type__in=_types(event_type))
        .values("intent_id")
        .annotate(newest=Max("seq"))
        .values("newest")
    )
    return {
        event.intent_id: event
        for event in Event.objects.filter(seq__in=newest)
        if event.intent_id is not None
    }


def intent_event_count(event_types: Iterable[str]) -> int:
    """How many events :func:`intent_events_in_order` yields for the same types."""
    return Event.objects.filter(event_type__in=list(event_types), intent_id__isnull=False).count()


def intent_events_in_order(event_types: Iterable[str]) -> Iterator[Event]:
    """Every event of the given types that names an intent, oldest first, streamed."""
    events = (
        Event.objects.filter(event_type__in=list(event_types), intent_id__isnull=False)
        .order_by("seq")
        .only("seq", "event_type", "intent_id", "payload")
    )
    return events.iterator(chunk_size=_CHUNK)


def checkpoint_intent_rows() -> dict[str, dict[str, Any]]:
    """The final rows of pruned intents, later checkpoints winning."""
    rows: dict[str, dict[str, Any]] = {}
    for checkpoint in PruneCheckpoint.objects.order_by("created_at"):
        rows.update({key: dict(row) for key, row in checkpoint.intent_rows.items()})
    return rows
