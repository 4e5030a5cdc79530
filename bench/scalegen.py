"""Bulk loading for the scale benchmark: intents and a real hash chain, fast.

The ledger's batch append builds one model per event and goes through ``bulk_create``; at ten
million events that is the slow part of growing a database, not anything the product does at
run time. Here the chain is computed in Python with the pinned formula (the canonical text is
assembled from pre-rendered pieces and checked against :func:`canonical_event` for the first
row of every batch) and written with ``executemany`` (SQLite) or ``COPY`` (PostgreSQL), then
the chain head is moved in the same transaction. ``audit verify-chain`` accepts the result.

Intents ``scale-NNNNNNN`` are 15 s apart from three weeks ago, the newest 2,000 active and the
rest finished; :func:`load_old_batch`
adds finished intents whose whole history is older than the retention window, for
``audit prune`` to remove.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

ACTIVE_STATUSES = ("READY", "VALIDATED", "QUEUED")
# the newest intents are active, the rest finished: history grows, the backlog does not
ACTIVE_WINDOW = 2_000
# The event types each intent gets, in turn, with their payloads.
CYCLE: tuple[tuple[str, dict[str, Any]], ...] = (
    ("intent.created", {"source": "feature", "target": "main"}),
    ("simulation.completed", {"mergeable": True, "files_changed": ["src/a.py"]}),
    ("risk.evaluated", {"risk_score": 12.5, "entropy_score": 8.0, "risk_level": "low"}),
    ("policy.evaluated", {"verdict": "ALLOW", "gates": []}),
    ("intent.validated", {"decision": "validated"}),
)
INTENT_BATCH = 5_000
EVENT_BATCH = 50_000
_COLUMNS = (
    "id",
    "seq",
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
_CANONICAL_PAYLOAD = [
    json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    for _, payload in CYCLE
]
_STORED_PAYLOAD = [json.dumps(payload) for _, payload in CYCLE]


def intent_id(n: int) -> str:
    return f"scale-{n:07d}"


def _intents(
    ids: Sequence[str], numbers: Sequence[int], statuses: Sequence[str], created: Sequence[datetime]
) -> None:
    """Insert intents with one prepared row varied per intent (``bulk_create`` prepares every
    field of every row, which is most of the time at 100,000 intents)."""
    from django.db import connection, transaction

    from intents.models import Intent, Repository

    repository, _ = Repository.objects.get_or_create(
        name="scale", defaults={"path": "/nonexistent/scale"}
    )
    fields = Intent._meta.concrete_fields
    template = Intent(id="x", repository=repository, source="x", status="READY")
    prepared = [
        field.get_db_prep_save(field.pre_save(template, True), connection) for field in fields
    ]
    at = {field.attname: index for index, field in enumerate(fields)}
    stamp = Intent._meta.get_field("created_at")
    sql = (
        f"INSERT INTO {Intent._meta.db_table} ({', '.join(f.column for f in fields)}) "
        f"VALUES ({', '.join('%s' for _ in fields)})"
    )
    rows = []
    for ident, n, status, when in zip(ids, numbers, statuses, created, strict=True):
        row = list(prepared)
        row[at["created_at"]] = stamp.get_db_prep_save(when, connection)
        row[at["updated_at"]] = stamp.get_db_prep_save(when + timedelta(minutes=10), connection)
        row[at["id"]] = ident
        row[at["source"]] = f"feature/{ident}"
        row[at["status"]] = status
        row[at["tenant_id"]] = f"tenant-{n % 10}"
        row[at["priority"]] = 1 + n % 5
        rows.append(row)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def _events(
    owners: Sequence[tuple[str, str, datetime]], per_intent: int
) -> Iterator[tuple[str, str, str, datetime]]:
    """(intent id, tenant, event type index, timestamp) for every event, in log order."""
    for ident, tenant, base in owners:
        for k in range(per_intent):
            yield ident, tenant, str(k % len(CYCLE)), base + timedelta(milliseconds=100 * k)


def _append(rows: Iterator[tuple[str, str, str, datetime]], first_id: int) -> int:
    """Chain and insert the events; returns how many were written."""
    from django.db import connection, transaction

    from converge_core.audit import canonical_event, chain_hash
    from ledger.append import CHAIN_NAME, chain_head_for_update
    from ledger.models import ChainHead

    written, serial, done = 0, first_id, False
    while not done:
        with transaction.atomic():
            head = chain_head_for_update()
            seq, prev = head.last_seq, head.last_hash
            batch: list[tuple[Any, ...]] = []
            for ident, tenant, kind, when in rows:
                index = int(kind)
                seq += 1
                serial += 1
                event_id = f"{serial:012x}"
                trace = f"trace-{serial:012x}"
                stamp = when.isoformat(timespec="microseconds")
                event_type = CYCLE[index][0]
                canonical = (
                    f'{{"agent_id":null,"event_type":"{event_type}","evidence":{{}},'
                    f'"id":"{event_id}","intent_id":"{ident}",'
                    f'"payload":{_CANONICAL_PAYLOAD[index]},"tenant_id":"{tenant}",'
                    f'"timestamp":"{stamp}+00:00","trace_id":"{trace}"}}'
                )
                if not batch:
                    assert canonical == canonical_event(
                        event_id=event_id,
                        trace_id=trace,
                        timestamp=when.replace(tzinfo=UTC),
                        event_type=event_type,
                        intent_id=ident,
                        agent_id=None,
                        tenant_id=tenant,
                        payload=CYCLE[index][1],
                        evidence={},
                    ), canonical
                digest = hashlib.sha256(f"{prev}\n{canonical}".encode("ascii")).hexdigest()
                if not batch:
                    assert digest == chain_hash(prev, canonical)
                batch.append(
                    (
                        event_id,
                        seq,
                        trace,
                        stamp.replace("T", " "),
                        event_type,
                        ident,
                        None,
                        tenant,
                        _STORED_PAYLOAD[index],
                        "{}",
                        prev,
                        digest,
                    )
                )
                prev = digest
                if len(batch) == EVENT_BATCH:
                    break
            else:
                done = True
            if not batch:
                break
            _insert(connection, batch)
            ChainHead.objects.filter(pk=CHAIN_NAME).update(
                last_seq=seq, last_hash=prev, event_count=head.event_count + len(batch)
            )
            written += len(batch)
    return written


def _insert(connection: Any, batch: list[tuple[Any, ...]]) -> None:
    columns = ", ".join(_COLUMNS)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            raw = cursor.cursor
            with raw.copy(f"COPY intents_event ({columns}) FROM STDIN") as copy:
                for row in batch:
                    copy.write_row(row[:3] + (row[3] + "+00",) + row[4:])
        return
    connection.ensure_connection()
    placeholders = ", ".join("?" for _ in _COLUMNS)
    connection.connection.executemany(
        f"INSERT INTO intents_event ({columns}) VALUES ({placeholders})", batch
    )


def _next_serial() -> int:
    from ledger.models import ChainHead

    head = ChainHead.objects.filter(pk="main").first()
    # event ids are the hex of a serial above every id written so far (new_id() is random hex,
    # so start far above the 12-hex-digit space the product's own appends are likely to use)
    return 0xF00000000000 + (head.last_seq if head else 0)


def _status(n: int, stop: int) -> str:
    if n >= stop - ACTIVE_WINDOW:
        return ACTIVE_STATUSES[n % len(ACTIVE_STATUSES)]
    return "REJECTED" if n % 5 == 0 else "MERGED"


def grow(start: int, stop: int, events_per_intent: int) -> int:
    """Intents ``start``..``stop - 1`` and their events; returns the events written.

    Intents are 15 s apart from three weeks ago; the newest :data:`ACTIVE_WINDOW` are active
    (intents that fall out of the window as the database grows are finished here).
    """
    from django.db.models import Case, Value, When

    from intents.models import Intent

    origin = datetime.now(UTC) - timedelta(days=21)
    Intent.objects.filter(
        id__startswith="scale-", id__lt=intent_id(stop - ACTIVE_WINDOW), status__in=ACTIVE_STATUSES
    ).update(status=Case(When(id__endswith="0", then=Value("REJECTED")), default=Value("MERGED")))
    written = 0
    for first in range(start, stop, INTENT_BATCH):
        numbers = range(first, min(stop, first + INTENT_BATCH))
        ids = [intent_id(n) for n in numbers]
        created = [origin + timedelta(seconds=15 * n) for n in numbers]
        _intents(ids, numbers, [_status(n, stop) for n in numbers], created)
        owners = [
            (ident, f"tenant-{n % 10}", when.replace(tzinfo=None))
            for ident, n, when in zip(ids, numbers, created, strict=True)
        ]
        written += _append(_events(owners, events_per_intent), _next_serial())
    return written


def analyze() -> None:
    """Fresh planner statistics after a bulk load (what autovacuum would do in time; the
    benchmark's server may run without it)."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE intents_event")
            cursor.execute("ANALYZE intents_intent")
            cursor.execute("ANALYZE reviews_reviewtask")


def load_old_batch(label: str, intents: int, events_per_intent: int) -> int:
    """Finished intents whose events are all 200 days old (what a 90-day prune removes)."""
    origin = datetime.now(UTC) - timedelta(days=200)
    ids = [f"old-{label}-{n:05d}" for n in range(intents)]
    created = [origin + timedelta(seconds=15 * n) for n in range(intents)]
    statuses = ["MERGED" if n % 2 else "REJECTED" for n in range(intents)]
    _intents(ids, range(intents), statuses, created)
    owners = [
        (ident, f"tenant-{n % 10}", when.replace(tzinfo=None))
        for n, (ident, when) in enumerate(zip(ids, created, strict=True))
    ]
    return _append(_events(owners, events_per_intent), _next_serial())
