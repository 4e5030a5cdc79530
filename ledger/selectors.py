"""Reading the event log: the one place outside the ledger's own services that queries it.

Every reader names what it wants with the same filters (:class:`EventFilters`); the ledger
knows no app, so the filters are about the envelope (type, intent, tenant, agent, time,
sequence) and about payload keys, never about what an event means.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from datetime import datetime
from typing import Any, TypedDict, Unpack

from django.db import connection
from django.db.models import (
    Aggregate,
    Count,
    Exists,
    FloatField,
    Max,
    OuterRef,
    Q,
    QuerySet,
)
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast

from converge_core.audit import GENESIS_HASH
from ledger.models import ChainHead, Event, PruneCheckpoint

_CHUNK = 2000


class EventWindow(TypedDict, total=False):
    """A tenant's slice of time: the filters the read models pass around as a window."""

    tenant_id: str | None
    since: datetime | None  # at or after
    until: datetime | None  # at or before
    before: datetime | None  # strictly before


class EventFilters(EventWindow, total=False):
    """What a reader can ask of the log: every filter given must match, and a filter given
    as ``None`` is no filter (a ``tenant_id`` of ``None`` means every tenant)."""

    event_type: str | Iterable[str] | None  # one type or any of several
    event_type_prefix: str | None
    intent_id: str | None
    intent_ids: Iterable[str] | None
    with_intent: bool  # only events that name an intent
    without_tenant: bool  # only events that name no tenant
    agent_id: str | None
    after_seq: int | None  # stored after this sequence number
    payload: Mapping[str, Any] | None  # payload keys equal to these values
    payload_in: Mapping[str, Iterable[Any]] | None  # payload keys equal to one of these values


# filter -> field lookup, for the filters that take their value as it is
_LOOKUPS = {
    "event_type_prefix": "event_type__startswith",
    "intent_id": "intent_id",
    "tenant_id": "tenant_id",
    "agent_id": "agent_id",
    "since": "timestamp__gte",
    "until": "timestamp__lte",
    "before": "timestamp__lt",
    "after_seq": "seq__gt",
}


def _types(event_type: str | Iterable[str]) -> list[str]:
    return [event_type] if isinstance(event_type, str) else list(event_type)


def _filtered(filters: EventFilters) -> QuerySet[Event]:
    lookups: dict[str, Any] = {
        _LOOKUPS[key]: value
        for key, value in filters.items()
        if key in _LOOKUPS and value is not None
    }
    event_type = filters.get("event_type")
    if event_type is not None:
        lookups["event_type__in"] = _types(event_type)
    intent_ids = filters.get("intent_ids")
    if intent_ids is not None:
        lookups["intent_id__in"] = list(intent_ids)
    if filters.get("with_intent"):
        lookups["intent_id__isnull"] = False
    if filters.get("without_tenant"):
        lookups["tenant_id__isnull"] = True
    for key, value in (filters.get("payload") or {}).items():
        lookups[f"payload__{key}"] = value
    for key, values in (filters.get("payload_in") or {}).items():
        lookups[f"payload__{key}__in"] = list(values)
    return Event.objects.filter(**lookups)


def event_feed(
    *, oldest_first: bool = False, by_time: bool = False, **filters: Unpack[EventFilters]
) -> QuerySet[Event]:
    """Matching events in storage order, newest first unless ``oldest_first`` (slice it for
    a page); ``by_time`` orders by timestamp first (events may be recorded with past times)."""
    order = ["timestamp", "seq"] if by_time else ["seq"]
    if not oldest_first:
        order = [f"-{field}" for field in order]
    return _filtered(filters).order_by(*order)


def event_payloads(
    *,
    limit: int,
    oldest_first: bool = False,
    by_time: bool = False,
    **filters: Unpack[EventFilters],
) -> list[dict[str, Any]]:
    """The payloads of the first ``limit`` matching events, in :func:`event_feed` order."""
    feed = event_feed(oldest_first=oldest_first, by_time=by_time, **filters)
    return list(feed.values_list("payload", flat=True)[:limit])


def event_exists(**filters: Unpack[EventFilters]) -> bool:
    return _filtered(filters).exists()


def event_count(**filters: Unpack[EventFilters]) -> int:
    return _filtered(filters).count()


def event_counts(**filters: Unpack[EventFilters]) -> Counter[str]:
    """How many matching events there are of each type, in one query (0 for absent types)."""
    rows = _filtered(filters).order_by().values_list("event_type").annotate(count=Count("pk"))
    return Counter({event_type: count for event_type, count in rows})


def event_aggregate(
    *, aggregates: Mapping[str, Aggregate], **filters: Unpack[EventFilters]
) -> dict[str, Any]:
    """Aggregates over the matching events, in one query; build them with ``Count("pk")``,
    :func:`payload_number` and :func:`payload_is`."""
    return _filtered(filters).order_by().aggregate(**aggregates)


def payload_number(key: str) -> Any:
    """A numeric payload key as a float expression (NULL when absent), for aggregates."""
    return Cast(KeyTextTransform(key, "payload"), FloatField())


def payload_is(key: str, value: Any) -> Q:
    """A payload key equal to ``value``, as an aggregate's filter."""
    return Q(**{f"payload__{key}": value})


def has_event_since(*, event_type: str, intent_id: OuterRef, since: OuterRef) -> Exists:
    """For another app's query: whether an event of ``event_type`` names the outer row's
    intent at or after the outer row's time (``OuterRef("pk")``, ``OuterRef("updated_at")``)."""
    return Exists(
        Event.objects.filter(intent_id=intent_id, event_type=event_type, timestamp__gte=since)
    )


def latest_event(
    *, event_type: str | Iterable[str], intent_id: str | None = None, tenant_id: str | None = None
) -> Event | None:
    """The most recent event of a type (or of any of several types), of one intent when
    ``intent_id`` is given and of one tenant when ``tenant_id`` is."""
    return event_feed(event_type=event_type, intent_id=intent_id, tenant_id=tenant_id).first()


def latest_payload(
    *, event_type: str | Iterable[str], intent_id: str | None = None, tenant_id: str | None = None
) -> dict[str, Any] | None:
    """The payload of :func:`latest_event` (``None`` when there is none)."""
    feed = event_feed(event_type=event_type, intent_id=intent_id, tenant_id=tenant_id)
    return feed.values_list("payload", flat=True).first()


def latest_events(
    *, intent_ids: Iterable[str], event_type: str | Iterable[str]
) -> dict[str, Event]:
    """The latest event of a type (or of any of several) for each of many intents, in one
    query; intents without one are absent."""
    ids = list(intent_ids)
    if not ids:
        return {}
    newest = (
        Event.objects.filter(intent_id__in=ids, event_type__in=_types(event_type))
        .order_by()
        .values("intent_id")
        .annotate(newest=Max("seq"))
        .values("newest")
    )
    return {
        event.intent_id: event
        for event in Event.objects.filter(seq__in=newest)
        if event.intent_id is not None
    }


def latest_by_tenant(*, event_type: str) -> dict[str | None, Event]:
    """The latest event of a type for every tenant (``None``: the events naming no tenant),
    in one query however many tenants there are."""
    newest = (
        Event.objects.filter(event_type=event_type)
        .order_by()
        .values("tenant_id")
        .annotate(newest=Max("seq"))
        .values("newest")
    )
    return {event.tenant_id: event for event in Event.objects.filter(seq__in=newest)}


def intent_event_count(event_types: Iterable[str]) -> int:
    """How many events :func:`intent_events_in_order` yields for the same types."""
    return Event.objects.filter(event_type__in=list(event_types), intent_id__isnull=False).count()


def latest_payloads(
    *, intent_ids: Iterable[str], event_type: str | Iterable[str]
) -> dict[str, dict[str, Any]]:
    """The payloads of :func:`latest_events`."""
    events = latest_events(intent_ids=intent_ids, event_type=event_type)
    return {intent_id: event.payload for intent_id, event in events.items()}


def intents_latest_seq(**filters: Unpack[EventFilters]) -> list[tuple[str, int]]:
    """Each intent named by matching events with the sequence number of its latest one,
    the intent whose latest event is oldest first."""
    rows = (
        _filtered(filters)
        .filter(intent_id__isnull=False)
        .order_by()
        .values("intent_id")
        .annotate(last=Max("seq"))
        .order_by("last")
        .values_list("intent_id", "last")
    )
    return [(intent_id, last) for intent_id, last in rows if intent_id is not None]


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


def log_version() -> str:
    """The hash of the last event appended (genesis for an empty log): it changes with every
    append, so a projection cached under it is current until something is logged."""
    last = ChainHead.objects.values_list("last_hash", flat=True).first()
    return last or GENESIS_HASH


def startswith(field: str, prefix: str) -> Q:
    """``field`` starts with ``prefix``, in a form the field's index serves: SQLite's LIKE is
    case-insensitive and cannot use a plain index, so there the prefix is also a range (the
    column's binary order); PostgreSQL serves LIKE from the ``varchar_pattern_ops`` index."""
    condition = Q(**{f"{field}__startswith": prefix})
    if connection.vendor == "sqlite" and prefix:
        upper = prefix[:-1] + chr(ord(prefix[-1]) + 1)
        condition &= Q(**{f"{field}__gte": prefix, f"{field}__lt": upper})
    return condition
