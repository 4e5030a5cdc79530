"""The audit chain: verification, resealing, pruning with a checkpoint, rebuilding intents.

Verification streams the log in ``seq`` order with constant memory: each row must link to the
stored hash of the row before it (or across a recorded prune gap) and its own hash must match
the pinned formula. A break that ``init-chain`` resealed stays listed and is accepted only while
the row still looks exactly as it did when sealed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import connection, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from converge_core.audit import GENESIS_HASH, chain_hash, format_timestamp
from converge_core.errors import InvalidInput
from converge_core.progress import SILENT, Progress
from converge_core.states import Status
from intents.eventlog import CHAIN_NAME, chain_head_for_update, event_append, event_canonical
from intents.immutability import allow_event_writes
from intents.models import ChainHead, ChainSeal, Event, Intent, PruneCheckpoint, PruneGap
from intents.serialization import INTENT_FIELDS, intent_serialize

_CHUNK = 2000
_EVENT_FIELDS = (
    "seq",
    "id",
    "trace_id",
    "timestamp",
    "event_type",
    "intent_id",
    "agent_id",
    "tenant_id",
    "payload",
    "evidence",
    "prev_hash",
    "hash",
)


@dataclass(frozen=True)
class Break:
    """A place where the chain does not verify."""

    seq: int
    event_id: str
    kind: str  # hash | link | unhashed | tail
    stored_hash: str
    computed_hash: str
    expected_prev: str
    fingerprint: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "id": self.event_id,
            "kind": self.kind,
            "stored_hash": self.stored_hash,
            "computed_hash": self.computed_hash,
        }


def _fingerprint(*parts: object) -> str:
    return hashlib.sha256("|".join(str(p) for p in parts).encode()).hexdigest()


def _rows(upto_seq: int) -> Iterator[Event]:
    return (
        Event.objects.filter(seq__lte=upto_seq)
        .order_by("seq")
        .only(*_EVENT_FIELDS)
        .iterator(chunk_size=_CHUNK)
    )


def _walk(head: ChainHead | None) -> Iterator[tuple[Event | None, Break | None]]:
    """Yield every row with the break it shows (if any), then the tail check."""
    if head is None:
        return
    gaps = {gap.first_seq: gap for gap in PruneGap.objects.all()}
    prev_seq, prev_hash = 0, GENESIS_HASH
    last_event: Event | None = None
    for row in _rows(head.last_seq):
        # A jump in seq must be covered by recorded prune gaps, chained end to end.
        while row.seq != prev_seq + 1:
            gap = gaps.get(prev_seq + 1)
            if gap is None or gap.prev_hash != prev_hash or gap.last_seq >= row.seq:
                break
            prev_seq, prev_hash = gap.last_seq, gap.last_hash
        computed = chain_hash(row.prev_hash or "", event_canonical(row))
        problem = None
        if row.hash is None:
            problem = "unhashed"
        elif row.prev_hash != prev_hash:
            problem = "link"
        elif row.hash != computed:
            problem = "hash"
        brk = None
        if problem:
            brk = Break(
                row.seq,
                row.id,
                problem,
                row.hash or "",
                computed,
                prev_hash,
                _fingerprint(problem, prev_hash, row.prev_hash, row.hash, computed),
            )
        yield row, brk
        prev_seq, prev_hash = row.seq, row.hash or computed
        last_event = row
    # The head must name the last row (or the end of a prune gap that removed the tail).
    while prev_seq != head.last_seq:
        gap = gaps.get(prev_seq + 1)
        if gap is None or gap.prev_hash != prev_hash:
            break
        prev_seq, prev_hash = gap.last_seq, gap.last_hash
    if prev_seq != head.last_seq or prev_hash != head.last_hash:
        yield (
            None,
            Break(
                head.last_seq,
                last_event.id if last_event else "",
                "tail",
                head.last_hash,
                prev_hash,
                prev_hash,
                _fingerprint("tail", head.last_seq, head.last_hash, prev_seq, prev_hash),
            ),
        )


def _seals() -> dict[tuple[int, str], ChainSeal]:
    return {(seal.seq, seal.kind): seal for seal in ChainSeal.objects.all()}


def _seal_dict(seal: ChainSeal) -> dict[str, Any]:
    return {
        "seq": seal.seq,
        "id": seal.event_id,
        "kind": seal.kind,
        "stored_hash": seal.stored_hash,
        "computed_hash": seal.computed_hash,
        "reseal_event_id": seal.reseal_event_id,
        "resealed_at": format_timestamp(seal.resealed_at),
    }


def chain_verify(*, record: bool = True, progress: Progress = SILENT) -> dict[str, Any]:
    """Verify the whole log; returns the result (``valid`` names the first unsealed break).

    With ``record``, the outcome is appended as ``audit.chain.verified`` or
    ``audit.chain.tamper_detected`` (that event then chains normally).
    """
    from flags.selectors import flag_is_enabled

    if not flag_is_enabled("audit_chain"):
        return {"valid": True, "enabled": False, "reason": "audit chain is disabled"}
    head = ChainHead.objects.filter(pk=CHAIN_NAME).first()
    seals = _seals()
    count, first_bad = 0, None
    progress.start("Verifying the audit chain", head.event_count if head else 0)
    for row, brk in _walk(head):
        if row is not None:
            count += 1
            progress.advance()
        if brk is not None and first_bad is None:
            seal = seals.get((brk.seq, brk.kind))
            if seal is None or seal.fingerprint != brk.fingerprint:
                first_bad = brk
    result: dict[str, Any] = {
        "valid": first_bad is None,
        "event_count": count,
        "chain_hash": head.last_hash if head else GENESIS_HASH,
        "reseals": [_seal_dict(seal) for seal in seals.values()],
    }
    checkpoint = PruneCheckpoint.objects.order_by("-created_at").first()
    if checkpoint is not None:
        result["checkpoint"] = {
            "last_pruned_seq": checkpoint.last_pruned_seq,
            "last_pruned_hash": checkpoint.last_pruned_hash,
            "created_at": format_timestamp(checkpoint.created_at),
        }
    if first_bad is not None:
        result["reason"] = _break_reason(first_bad)
        result["first_bad"] = first_bad.as_dict()
    if record:
        outcome = "verified" if first_bad is None else "tamper_detected"
        event_append(
            event_type=f"audit.chain.{outcome}",
            payload={key: value for key, value in result.items() if key != "reseals"},
        )
    return result


def _break_reason(brk: Break) -> str:
    where = f"event {brk.event_id} (seq {brk.seq})"
    return {
        "hash": f"hash mismatch at {where}: the event was modified",
        "link": f"broken link at {where}: an event before it was removed or altered",
        "unhashed": f"missing hash at {where}: run `converge audit init-chain`",
        "tail": f"truncated tail: the chain head names seq {brk.seq}, which is missing",
    }[brk.kind]


def chain_init() -> dict[str, Any]:
    """Make the chain verify again without hiding anything.

    On an intact log this only reports the head. Otherwise missing hashes are filled in, every
    unsealed break is sealed, and ``audit.chain.resealed`` is appended naming the first one.
    """
    with transaction.atomic():
        head = chain_head_for_update()
        seals = _seals()
        breaks: list[Break] = []
        backfill: list[tuple[int, str, str]] = []
        prev_for_next: str | None = None
        for row, brk in _walk(head):
            if row is not None and row.hash is None:
                # Hashes are filled in along the chain, linking to the row before.
                prev = prev_for_next or GENESIS_HASH
                row.prev_hash = prev
                row.hash = chain_hash(prev, event_canonical(row))
                backfill.append((row.seq, prev, row.hash))
            if row is not None:
                prev_for_next = row.hash
            if brk is None or brk.kind == "unhashed":
                continue
            seal = seals.get((brk.seq, brk.kind))
            if seal is None or seal.fingerprint != brk.fingerprint:
                breaks.append(brk)
        if backfill:
            _backfill_hashes(backfill)
            # Filling hashes in changes what the walk sees; walk again for what is left.
            return _reseal_after_backfill(len(backfill))
        if not breaks:
            return {
                "initialized": True,
                "already_intact": True,
                "event_count": head.event_count,
                "chain_hash": head.last_hash,
            }
        return _reseal(head, breaks, backfilled=0)


def _backfill_hashes(rows: list[tuple[int, str, str]]) -> None:
    with allow_event_writes("hash-backfill"):
        for seq, prev, value in rows:
            Event.objects.filter(seq=seq, hash__isnull=True).update(prev_hash=prev, hash=value)


def _reseal_after_backfill(backfilled: int) -> dict[str, Any]:
    head = chain_head_for_update()
    seals = _seals()
    breaks = [
        brk
        for row, brk in _walk(head)
        if brk is not None
        and (
            seals.get((brk.seq, brk.kind)) is None
            or seals[(brk.seq, brk.kind)].fingerprint != brk.fingerprint
        )
    ]
    last = Event.objects.order_by("-seq").only("seq", "hash").first()
    if last is not None and not breaks:
        ChainHead.objects.filter(pk=head.pk).update(last_seq=last.seq, last_hash=last.hash)
        head.refresh_from_db()
    if not breaks:
        return {
            "initialized": True,
            "backfilled": backfilled,
            "event_count": head.event_count,
            "chain_hash": head.last_hash,
        }
    return _reseal(head, breaks, backfilled=backfilled)


def _reseal(head: ChainHead, breaks: list[Break], *, backfilled: int) -> dict[str, Any]:
    first = breaks[0]
    tail = next((brk for brk in breaks if brk.kind == "tail"), None)
    if tail is not None:
        last = Event.objects.order_by("-seq").only("seq", "hash").first()
        ChainHead.objects.filter(pk=head.pk).update(
            last_seq=last.seq if last else 0,
            last_hash=last.hash if last else GENESIS_HASH,
            event_count=Event.objects.count(),
        )
    event = event_append(
        event_type="audit.chain.resealed",
        payload={
            "first_bad_id": first.event_id,
            "stored_hash": first.stored_hash,
            "computed_hash": first.computed_hash,
            "breaks": [brk.as_dict() for brk in breaks],
        },
    )
    for brk in breaks:
        ChainSeal.objects.update_or_create(
            seq=brk.seq,
            kind=brk.kind,
            defaults={
                "event_id": brk.event_id,
                "stored_hash": brk.stored_hash,
                "computed_hash": brk.computed_hash,
                "fingerprint": brk.fingerprint,
                "reseal_event_id": event.id,
                "resealed_at": event.timestamp,
            },
        )
    head.refresh_from_db()
    return {
        "initialized": True,
        "resealed": True,
        "first_bad_id": first.event_id,
        "breaks": [brk.as_dict() for brk in breaks],
        "backfilled": backfilled,
        "event_count": head.event_count,
        "chain_hash": head.last_hash,
    }


# --- Pruning --------------------------------------------------------------------------------

TERMINAL = (Status.MERGED, Status.REJECTED)


def _prunable(before: datetime, tenant_id: str | None) -> Any:
    """Events that may go: those of terminal intents whose whole history is older than
    ``before``, and intent-less events older than ``before`` (never ``audit.*``)."""
    recent = Event.objects.filter(intent_id=OuterRef("intent_id"), timestamp__gte=before)
    terminal = Intent.objects.filter(pk=OuterRef("intent_id"), status__in=TERMINAL)
    known = Intent.objects.filter(pk=OuterRef("intent_id"))
    queryset = Event.objects.filter(timestamp__lt=before).filter(
        (Exists(terminal) & ~Exists(recent))
        | ((Q(intent_id__isnull=True) | ~Exists(known)) & ~Q(event_type__startswith="audit."))
    )
    if tenant_id is not None:
        queryset = queryset.filter(tenant_id=tenant_id)
    return queryset


def audit_prune(
    *,
    retention_days: int = 90,
    tenant_id: str | None = None,
    dry_run: bool = False,
    progress: Progress = SILENT,
) -> dict[str, Any]:
    """Delete old events that no active intent needs, recording a checkpoint first."""
    if retention_days < 1:
        raise InvalidInput("--retention-days must be at least 1", field="retention_days")
    before = timezone.now() - timedelta(days=retention_days)
    candidates = _prunable(before, tenant_id)
    if dry_run:
        return {"pruned": candidates.count(), "before": format_timestamp(before), "dry_run": True}
    with transaction.atomic():
        head = chain_head_for_update()
        doomed = set(candidates.values_list("seq", flat=True))
        if not doomed:
            return {"pruned": 0, "before": format_timestamp(before), "dry_run": False}
        upto = max(doomed)
        runs = _runs(doomed, upto)
        intent_ids = set(
            candidates.filter(intent_id__isnull=False).values_list("intent_id", flat=True)
        )
        rows = {
            intent.id: intent_serialize(intent)
            for intent in Intent.objects.select_related("repository").filter(pk__in=intent_ids)
        }
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
        with allow_event_writes("prune"):
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL converge.pruning = 'on'")
            ordered = sorted(doomed)
            progress.start("Pruning events", len(ordered))
            for start in range(0, len(ordered), 500):
                batch = ordered[start : start + 500]
                Event.objects.filter(seq__in=batch).delete()
                progress.advance(len(batch))
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL converge.pruning = 'off'")
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
            runs.append(tuple(current))  # type: ignore[arg-type]
            current = None
    if current is not None:
        runs.append(tuple(current))  # type: ignore[arg-type]
    return runs


# --- Rebuilding the intents view from the log -----------------------------------------------


def _apply(state: dict[str, dict[str, Any]], event: Event) -> None:
    payload = event.payload
    if event.event_type == "intent.created":
        state[event.intent_id] = dict(payload)
        return
    row = state.get(event.intent_id)
    if row is None:
        return
    if event.event_type == "intent.updated":
        for field, change in payload.get("changes", {}).items():
            row[field] = change["to"]
    elif event.event_type == "intent.status_changed":
        row["status"] = payload["to"]
    elif event.event_type == "queue.reset":
        row["status"], row["retries"] = payload["new_status"], 0
    elif event.event_type == "risk.level_reclassified":
        if payload.get("persisted"):
            row["risk_level"] = payload["new"]
    else:
        if "status" in payload:
            row["status"] = payload["status"]
        if "retries" in payload:
            row["retries"] = payload["retries"]


STATE_EVENTS = (
    "intent.created",
    "intent.updated",
    "intent.status_changed",
    "queue.reset",
    "risk.level_reclassified",
    "intent.validated",
    "intent.requeued",
    "intent.rejected",
    "intent.merged",
    "intent.merge_failed",
    "merge_group.destroyed",
)


def intents_replay(progress: Progress = SILENT) -> dict[str, dict[str, Any]]:
    """The intents as the log (from the prune checkpoints on) describes them."""
    state: dict[str, dict[str, Any]] = {}
    for checkpoint in PruneCheckpoint.objects.order_by("created_at"):
        state.update({key: dict(row) for key, row in checkpoint.intent_rows.items()})
    events = (
        Event.objects.filter(event_type__in=STATE_EVENTS, intent_id__isnull=False)
        .order_by("seq")
        .only("seq", "event_type", "intent_id", "payload")
    )
    progress.start("Replaying the event log", events.count())
    for event in events.iterator(chunk_size=_CHUNK):
        _apply(state, event)
        progress.advance()
    return state


def intents_rebuild(*, check: bool, progress: Progress = SILENT) -> dict[str, Any]:
    """Compare (``check``) or overwrite the intents table with the replayed log."""
    replayed = intents_replay(progress)
    live = {
        intent.id: intent_serialize(intent)
        for intent in Intent.objects.select_related("repository").iterator(chunk_size=_CHUNK)
    }
    differences = []
    for intent_id in sorted(set(replayed) | set(live)):
        expected, actual = replayed.get(intent_id), live.get(intent_id)
        if expected is None or actual is None:
            missing_from = "log" if expected is None else "table"
            differences.append({"intent_id": intent_id, "missing_from": missing_from})
            continue
        fields = [f for f in INTENT_FIELDS if expected.get(f) != actual.get(f)]
        if fields:
            differences.append(
                {
                    "intent_id": intent_id,
                    "fields": {f: {"log": expected.get(f), "table": actual.get(f)} for f in fields},
                }
            )
    result: dict[str, Any] = {
        "intents": len(replayed),
        "matches": not differences,
        "differences": differences[:50],
        "difference_count": len(differences),
        "check": check,
    }
    if not check and differences:
        result["rewritten"] = _rewrite(replayed, differences)
    return result


def _rewrite(replayed: dict[str, dict[str, Any]], differences: list[dict[str, Any]]) -> int:
    from intents.models import Repository

    repositories = {repo.name: repo for repo in Repository.objects.all()}
    rewritten = 0
    with transaction.atomic():
        for difference in differences:
            row = replayed.get(difference["intent_id"])
            if row is None or row.get("repository") not in repositories:
                continue
            values = {
                key: row[key]
                for key in INTENT_FIELDS
                if key not in {"id", "repository", "created_at"} and key in row
            }
            Intent.objects.update_or_create(
                pk=row["id"],
                defaults={
                    **values,
                    "repository": repositories[row["repository"]],
                    "created_at": datetime.fromisoformat(row["created_at"]),
                },
            )
            rewritten += 1
    return rewritten
