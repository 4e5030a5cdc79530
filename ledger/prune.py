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
from django.db.models import Exists, F, Max, Min, OuterRef, Q, QuerySet
from django.utils import timezone

from converge_core.audit import format_timestamp
from converge_core.progress import SILENT, Progress
from ledger.append import chain_head_for_update, event_append
from ledger.immutability import allow_event_writes
from ledger.models import ChainHead, Event, PruneCheckpoint, PruneGap

# log rows read a query while pruning, and rows deleted a statement: memory and statement size
# are bounded by these, queries grow with the pruned range / CHUNK
CHUNK = 2000
DELETE_BATCH = 500

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
    """Delete ``candidates`` under the chain-head lock, recording a checkpoint first.

    The log between the first and the last candidate is walked in keyset pages of
    :data:`CHUNK` rows: each page's candidates are found, their runs (with the boundary hashes)
    recorded and they are deleted, so memory and each query are bounded however many go.
    """
    with transaction.atomic():
        head = chain_head_for_update()
        # ``seq + 0``: no min/max shortcut down the seq index (which would test every newer
        # row for candidacy), so the candidates are found from the time index, old rows only
        bounds = candidates.aggregate(first=Min(F("seq") + 0), upto=Max(F("seq") + 0))
        first, upto = bounds["first"], bounds["upto"]
        if first is None or upto is None:
            return {"pruned": 0, "before": format_timestamp(before), "dry_run": False}
        last_hash = Event.objects.filter(seq=upto).values_list("hash", flat=True).get()
        checkpoint = PruneCheckpoint.objects.create(
            created_at=timezone.now(),
            before=before,
            removed=0,
            last_pruned_seq=upto,
            last_pruned_hash=last_hash,
            intent_rows={},
        )
        progress.start("Pruning events", upto - first + 1)
        removed, intent_ids = _prune_range(candidates, checkpoint, first, upto, progress)
        rows = snapshot(intent_ids)
        PruneCheckpoint.objects.filter(pk=checkpoint.pk).update(removed=removed, intent_rows=rows)
        ChainHead.objects.filter(pk=head.pk).update(event_count=head.event_count - removed)
        event_append(
            event_type="audit.pruned",
            payload={
                "before": format_timestamp(before),
                "removed": removed,
                "checkpoint_seq": upto,
                "checkpoint_hash": last_hash,
                "tenant_id": tenant_id,
            },
        )
    return {
        "pruned": removed,
        "before": format_timestamp(before),
        "dry_run": False,
        "checkpoint_seq": upto,
        "checkpoint_hash": last_hash,
        "intents": len(rows),
    }


def _prune_range(
    candidates: QuerySet[Event],
    checkpoint: PruneCheckpoint,
    first: int,
    upto: int,
    progress: Progress,
) -> tuple[int, set[str]]:
    """Walk ``first``..``upto`` page by page: record the runs of candidates (no kept row
    between them) as gaps and delete them. Returns how many went and the intents they named."""
    removed, intent_ids = 0, set[str]()
    run: list[Any] | None = None  # [first_seq, last_seq, prev_hash, last_hash] of the open run
    after = first - 1
    while after < upto:
        page = list(
            Event.objects.filter(seq__gt=after, seq__lte=upto)
            .order_by("seq")
            .values_list("seq", "prev_hash", "hash")[:CHUNK]
        )
        if not page:
            break
        doomed = dict(
            candidates.filter(seq__gte=page[0][0], seq__lte=page[-1][0]).values_list(
                "seq", "intent_id"
            )
        )
        for seq, prev_hash, row_hash in page:
            if seq in doomed:
                if run is None:
                    run = [seq, seq, prev_hash or "", row_hash or ""]
                else:
                    run[1], run[3] = seq, row_hash or ""
            elif run is not None:
                _record_gap(checkpoint, run)
                run = None
        _delete(sorted(doomed))
        removed += len(doomed)
        intent_ids.update(intent_id for intent_id in doomed.values() if intent_id is not None)
        progress.advance(page[-1][0] - after)
        after = page[-1][0]
    if run is not None:
        _record_gap(checkpoint, run)
    return removed, intent_ids


def _record_gap(checkpoint: PruneCheckpoint, run: list[Any]) -> None:
    first_seq, last_seq, prev_hash, last_hash = run
    # A new run swallows any older gap that now lies inside it.
    PruneGap.objects.filter(first_seq__gte=first_seq, first_seq__lte=last_seq).delete()
    PruneGap.objects.create(
        checkpoint=checkpoint,
        first_seq=first_seq,
        last_seq=last_seq,
        prev_hash=prev_hash,
        last_hash=last_hash,
    )


def _delete(ordered: list[int]) -> None:
    if not ordered:
        return
    with allow_event_writes("prune"):
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL converge.pruning = 'on'")
        for start in range(0, len(ordered), DELETE_BATCH):
            Event.objects.filter(seq__in=ordered[start : start + DELETE_BATCH]).delete()
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL converge.pruning = 'off'")
