"""The audit chain: verification and resealing.

Verification streams the log in ``seq`` order with constant memory: each row must link to the
stored hash of the row before it (or across a recorded prune gap) and its own hash must match
the pinned formula. A break that ``init-chain`` resealed stays listed and is accepted only while
the row still looks exactly as it did when sealed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction

from converge_core.audit import GENESIS_HASH, chain_hash, format_timestamp
from converge_core.progress import SILENT, Progress
from ledger.append import CHAIN_NAME, chain_head_for_update, event_append, event_canonical
from ledger.immutability import allow_event_writes
from ledger.models import ChainHead, ChainSeal, Event, PruneCheckpoint, PruneGap

# rows the walk reads a query: memory is bounded by this, queries grow with rows / CHUNK
CHUNK = 2000
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


class _Row:
    """One event as the walk reads it: plain attributes, no model instance (the walk reads
    every row of the log, and building a model per row was a fifth of its time)."""

    __slots__ = _EVENT_FIELDS

    seq: int
    id: str
    trace_id: str
    timestamp: datetime
    event_type: str
    intent_id: str | None
    agent_id: str | None
    tenant_id: str | None
    payload: Any
    evidence: Any
    prev_hash: str | None
    hash: str | None

    def __init__(self, values: tuple[Any, ...]) -> None:
        for name, value in zip(_EVENT_FIELDS, values, strict=True):
            setattr(self, name, value)


def _rows(upto_seq: int) -> Iterator[_Row]:
    """Every row up to ``upto_seq`` in ``seq`` order, read :data:`CHUNK` rows a query (keyset
    pages on the unique ``seq``: no cursor or snapshot held open across the walk)."""
    after = 0
    while True:
        page = list(
            Event.objects.filter(seq__gt=after, seq__lte=upto_seq)
            .order_by("seq")
            .values_list(*_EVENT_FIELDS)[:CHUNK]
        )
        for values in page:
            yield _Row(values)
        if len(page) < CHUNK:
            return
        after = page[-1][0]


def _walk(head: ChainHead | None) -> Iterator[tuple[_Row | None, Break | None]]:
    """Yield every row with the break it shows (if any), then the tail check."""
    if head is None:
        return
    gaps = {gap.first_seq: gap for gap in PruneGap.objects.all()}
    prev_seq, prev_hash = 0, GENESIS_HASH
    last_event: _Row | None = None
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


def chain_verify(
    *, enabled: bool = True, record: bool = True, progress: Progress = SILENT
) -> dict[str, Any]:
    """Verify the whole log; returns the result (``valid`` names the first unsealed break).

    ``enabled`` is the caller's reading of the ``audit_chain`` flag: the ledger knows no flags.
    With ``record``, the outcome is appended as ``audit.chain.verified`` or
    ``audit.chain.tamper_detected`` (that event then chains normally).
    """
    if not enabled:
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
