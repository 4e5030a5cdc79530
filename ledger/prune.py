"""Removing old events without breaking the chain.

The ledger does not decide which intents are finished (that is a retention policy of whoever
owns them): :func:`prune_candidates` turns the owner's answer into the events that may go, and
:func:`events_prune` removes them, records the boundary hashes of every removed run so
verification still passes, and keeps a checkpoint with the final state the owner supplies.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.db import connection, transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from converge_core.audit import format_timestamp
from converge_core.progress import SILENT, Progress
from ledger.append import chain_head_for_update, event_append
from ledger.immutability import allow_event_writes
from ledger.models import ChainHead, Event, PruneCheckpoint, PruneGap

_CHUNK = 2000
_DELETE_BATCH = 500

# intent ids -> their final rows, stored in the checkpoint so they can be rebuilt later
Snapshot = Callable[[set[str]], dict[str, dict[str, Any]]]


def prune_candidates(
    *,
    before: datetime,
    finished: QuerySet[Any],
    known: QuerySet[Any],
    tenant_id: str | None = None,
) -> QuerySet[Event]:
    """Events older than ``before`` that nothing needs any more.

    ``finished`` and ``known`` are the owner's rows keyed by intent id: the events of a
    finished intent go once its whole history is older than ``before``; events that name no
    intent, or one that is not known, go when they are older, except the ledger's own
    ``audit.*`` events.
    """
    recent = Event.objects.filter(intent_id=OuterRef("intent_id"), timestamp__gte=before)
    is_finished = Exists(finished.filter(pk=OuterRef("intent_id")))
    is_known = Exists(known.filter(pk=OuterRef("intent_id")))
    queryset = Event.objects.filter(timestamp__lt=before).filter(
        (is_finished & ~Exists(recent))
        | ((Q(intent_id__isnull=True) | ~is_known) & ~Q(event_type__startswith="audit."))
    )
    if tenant_id is not None:
        queryset = queryset.filter(tenant_id=tenant_id)
    return queryset


def events_prune(
    *,
    candidates: QuerySet[Event],
    before: datetime,
    snapshot: Snapshot,
    tenant_id: str | None = None,
    progress: Progress = SILENT,
) -> dict[str, Any]:
    """Delete ``candidates`` under the chain-head lock, recording a checkpoint first."""
    with transaction.atomic():
        head = chain_head_for_update()
        doomed = set(candidates.values_list("seq", flat=True))
        if not doomed:
            return {"pruned": 0, "before": format_timestamp(before), "dry_run": False}
        upto = max(doomed)
        runs = _runs(doomed, upto)
        intent_ids = {
            intent_id
            for intent_id in candidates.values_list("intent_id", flat=True)
            if intent_id is not None
        }
        rows = snapshot(intent_ids)
        last_hash = Event.objects.filter(seq=upto).values_list("hash", flat=True).get()
        checkpoint = PruneCheckpoint.objects.create(
            created_at=timezone.now(),
            before=before,
            removed=len(doomed),
            last_pruned_seq=upto,
            last_pruned_hash=last_hash,
            intent_rows=rows,
        )
        for first_seq, last_seq, prev_hash, run_last_hash in runs:
            # A new run swallows any older gap that now lies inside it.
            PruneGap.objects.filter(first_seq__gte=first_seq, first_seq__lte=last_seq).delete()
            PruneGap.objects.create(
                checkpoint=checkpoint,
                first_seq=first_seq,
                last_seq=last_seq,
                prev_hash=prev_hash,
                last_hash=run_last_hash,
            )
        _delete(sorted(doomed), progress)
        ChainHead.objects.filter(pk=head.pk).update(event_count=head.event_count - len(doomed))
        event_append(
            event_type="audit.pruned",
            payload={
                "before": format_timestamp(before),
                "removed": len(doomed),
                "checkpoint_seq": upto,
                "checkpoint_hash": last_hash,
                "tenant_id": tenant_id,
            },
        )
    return {
        "pruned": len(doomed),
        "before": format_timestamp(before),
        "dry_run": False,
        "checkpoint_seq": upto,
        "checkpoint_hash": last_hash,
        "intents": len(rows),
    }


def _delete(ordered: list[int], progress: Progress) -> None:
    with allow_event_writes("prune"):
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL converge.pruning = 'on'")
        progress.start("Pruning events", len(ordered))
        for start in range(0, len(ordered), _DELETE_BATCH):
            batch = ordered[start : start + _DELETE_BATCH]
            Event.objects.filter(seq__in=batch).delete()
            progress.advance(len(batch))
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL converge.pruning = 'off'")


def _runs(doomed: set[int], upto: int) -> list[tuple[int, int, str, str]]:
    """Group doomed rows into runs with no kept row between them, with boundary hashes."""
    runs: list[tuple[int, int, str, str]] = []
    current: list[Any] | None = None
    rows = (
        Event.objects.filter(seq__lte=upto).order_by("seq").values_list("seq", "prev_hash", "hash")
    )
    for seq, prev_hash, row_hash in rows.iterator(chunk_size=_CHUNK):
        if seq in doomed:
            if current is None:
                current = [seq, seq, prev_hash or "", row_hash or ""]
            else:
                current[1], current[3] = seq, row_hash or ""
        elif current is not None:
            runs.append((current[0], current[1], current[2], current[3]))
            current = None
    if current is not None:
        runs.append((current[0], current[1], current[2], current[3]))
    return runs
