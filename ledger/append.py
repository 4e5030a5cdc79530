"""Appending to and reading the event log.

Appends are serialised by the chain head: on PostgreSQL by a row lock, on SQLite by the
IMMEDIATE transaction every write already runs in. The head is updated in the same
transaction, so it always names the last appended row.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from converge_core.audit import (
    GENESIS_HASH,
    canonical_event,
    chain_hash,
    normalize_json,
)
from converge_core.context import current_trace_id
from converge_core.events import EVENT_TYPES
from converge_core.ids import new_id, new_trace_id
from ledger.models import ChainHead, Event

CHAIN_NAME = "main"
_ID_ATTEMPTS = 5


class UnknownEventType(ValueError):
    """A programming error: the event type is not in the catalogue."""


def chain_head_for_update() -> ChainHead:
    """The chain head, locked for the rest of the transaction (created on first use)."""
    head = ChainHead.objects.select_for_update().filter(pk=CHAIN_NAME).first()
    if head is None:
        ChainHead.objects.get_or_create(pk=CHAIN_NAME, defaults={"last_hash": GENESIS_HASH})
        head = ChainHead.objects.select_for_update().get(pk=CHAIN_NAME)
    return head


def event_append(
    *,
    event_type: str,
    payload: dict[str, Any] | None = None,
    evidence: dict[str, Any] | None = None,
    intent_id: str | None = None,
    tenant_id: str | None = None,
    agent_id: str | None = None,
    trace_id: str | None = None,
    timestamp: datetime | None = None,
) -> Event:
    """Append one event, chained to the head, inside the caller's transaction if any."""
    if event_type not in EVENT_TYPES:
        raise UnknownEventType(event_type)
    payload = normalize_json(payload or {})
    evidence = normalize_json(evidence or {})
    trace_id = trace_id or current_trace_id() or new_trace_id()
    with transaction.atomic():
        head = chain_head_for_update()
        when = timestamp or timezone.now()
        seq = head.last_seq + 1
        for _ in range(_ID_ATTEMPTS):
            event = Event(
                id=new_id(),
                seq=seq,
                trace_id=trace_id,
                timestamp=when,
                event_type=event_type,
                intent_id=intent_id,
                agent_id=agent_id,
                tenant_id=tenant_id,
                payload=payload,
                evidence=evidence,
                prev_hash=head.last_hash,
            )
            event.hash = chain_hash(head.last_hash, event_canonical(event))
            try:
                # The savepoint keeps the transaction usable after an id collision.
                with transaction.atomic():
                    event.save(force_insert=True)
                break
            except IntegrityError:
                if not Event.objects.filter(pk=event.id).exists():
                    raise
        else:  # pragma: no cover - five collisions of 48 random bits
            raise IntegrityError("could not allocate a unique event id")
        ChainHead.objects.filter(pk=head.pk).update(
            last_seq=seq, last_hash=event.hash, event_count=F("event_count") + 1
        )
    return event


def event_append_many(events: list[dict[str, Any]]) -> list[Event]:
    """Append several events in order with one head lock and one INSERT (one transaction).

    Each item holds the keyword arguments of :func:`event_append`.
    """
    if not events:
        return []
    prepared = []
    for item in events:
        if item["event_type"] not in EVENT_TYPES:
            raise UnknownEventType(item["event_type"])
        prepared.append(
            {
                **item,
                "payload": normalize_json(item.get("payload") or {}),
                "evidence": normalize_json(item.get("evidence") or {}),
                "trace_id": item.get("trace_id") or current_trace_id() or new_trace_id(),
            }
        )
    # Inside the caller's transaction no savepoint of its own: a failure here fails the
    # caller's transaction anyway (only the insert keeps one, for an id collision).
    with transaction.atomic(savepoint=False):
        head = chain_head_for_update()
        when = timezone.now()
        for _ in range(_ID_ATTEMPTS):
            rows, prev = [], head.last_hash
            for offset, item in enumerate(prepared, start=1):
                event = Event(
                    id=new_id(),
                    seq=head.last_seq + offset,
                    timestamp=when,
                    prev_hash=prev,
                    event_type=item["event_type"],
                    intent_id=item.get("intent_id"),
                    tenant_id=item.get("tenant_id"),
                    agent_id=item.get("agent_id"),
                    trace_id=item["trace_id"],
                    payload=item["payload"],
                    evidence=item["evidence"],
                )
                event.hash = prev = chain_hash(prev, event_canonical(event))
                rows.append(event)
            try:
                with transaction.atomic():
                    Event.objects.bulk_create(rows)
                break
            except IntegrityError:
                if not Event.objects.filter(pk__in=[row.id for row in rows]).exists():
                    raise
        else:  # pragma: no cover - repeated collisions of 48 random bits
            raise IntegrityError("could not allocate unique event ids")
        ChainHead.objects.filter(pk=head.pk).update(
            last_seq=rows[-1].seq,
            last_hash=rows[-1].hash,
            event_count=F("event_count") + len(rows),
        )
    return rows


class EventEnvelope(Protocol):
    """What the hash covers: an ``Event`` or a row read for verification."""

    id: str
    trace_id: str
    timestamp: datetime
    event_type: str
    intent_id: str | None
    agent_id: str | None
    tenant_id: str | None
    payload: Any
    evidence: Any


def event_canonical(event: EventEnvelope) -> str:
    return canonical_event(
        event_id=event.id,
        trace_id=event.trace_id,
        timestamp=event.timestamp,
        event_type=event.event_type,
        intent_id=event.intent_id,
        agent_id=event.agent_id,
        tenant_id=event.tenant_id,
        payload=event.payload,
        evidence=event.evidence,
    )
