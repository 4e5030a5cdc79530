"""Scale: the read paths at 1k / 10k / 100k intents and their events (not part of the tests).

The database grows in steps to each size: intents are bulk-created (statuses spread over the
lifecycle, a tenant each of ten) and every intent gets ``--events-per-intent`` events (created,
simulation, risk, policy, validated, ... in turn) through the ledger's own batch append, so the
hash chain is real. At each size, measured in-process (start-up excluded, medians of 5):
``intent list --limit 20``, ``intent status``, ``GET /v1/intents?limit=50``, ``GET /v1/summary``
(uncached and cached), ``audit verify-chain`` (events/s and the peak of the process's memory)
and the database bytes per event.

    .venv/bin/python bench/scale.py [--sizes 1000,10000,100000] [--events-per-intent 10]
        [--backend sqlite|postgres --pg-dsn postgresql://postgres@127.0.0.1:5432/converge_scale]

``--events-per-intent 100`` at 100,000 intents is the 10-million-event log.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

KEY = "bench-admin-key-0123456789"
STATUSES = ("READY", "VALIDATED", "QUEUED", "MERGED", "REJECTED")
# The event types each intent gets, in turn, with their payloads.
CYCLE: tuple[tuple[str, dict[str, Any]], ...] = (
    ("intent.created", {"source": "feature", "target": "main"}),
    ("simulation.completed", {"mergeable": True, "files_changed": ["src/a.py"]}),
    ("risk.evaluated", {"risk_score": 12.5, "entropy_score": 8.0, "risk_level": "low"}),
    ("policy.evaluated", {"verdict": "ALLOW", "gates": []}),
    ("intent.validated", {"decision": "validated"}),
)
BATCH = 5_000


def grow(start: int, stop: int, events_per_intent: int) -> None:
    """Intents ``start``..``stop - 1`` and their events."""
    from intents.models import Intent, Repository
    from ledger.append import event_append_many

    repository, _ = Repository.objects.get_or_create(
        name="scale", defaults={"path": "/nonexistent/scale"}
    )
    for first in range(start, stop, BATCH):
        ids = range(first, min(stop, first + BATCH))
        Intent.objects.bulk_create(
            [
                Intent(
                    id=f"scale-{n:07d}",
                    repository=repository,
                    source=f"feature/{n}",
                    status=STATUSES[n % len(STATUSES)],
                    tenant_id=f"tenant-{n % 10}",
                    priority=1 + n % 5,
                )
                for n in ids
            ]
        )
        events = [
            {
                "event_type": CYCLE[k % len(CYCLE)][0],
                "payload": CYCLE[k % len(CYCLE)][1],
                "intent_id": f"scale-{n:07d}",
                "tenant_id": f"tenant-{n % 10}",
            }
            for n in ids
            for k in range(events_per_intent)
        ]
        for offset in range(0, len(events), BATCH):
            event_append_many(events[offset : offset + BATCH])


def median_ms(call: Callable[[], object], runs: int = 5) -> float:
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples) * 1000


def database_bytes() -> int:
    from django.conf import settings
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_total_relation_size('intents_event')")
            return int(cursor.fetchone()[0])
    path = Path(settings.DATABASES["default"]["NAME"])
    return sum(p.stat().st_size for p in path.parent.glob(path.name + "*"))


def measure(size: int) -> dict[str, Any]:
    from django.core.cache import cache
    from django.core.management import call_command
    from django.test import Client

    from ledger.chain import chain_verify
    from ledger.selectors import event_count

    def command(*argv: str) -> Callable[[], object]:
        return lambda: call_command(*argv, stdout=io.StringIO(), stderr=io.StringIO())

    client = Client(HTTP_X_API_KEY=KEY, HTTP_HOST="localhost")

    def get(path: str, *, cold: bool = False) -> Callable[[], None]:
        def call() -> None:
            if cold:
                cache.clear()
            response = client.get(path)
            assert response.status_code == 200, response.content[:200]

        return call

    middle = f"scale-{size // 2:07d}"
    events = event_count()
    row: dict[str, Any] = {
        "intents": size,
        "events": events,
        "intent list --limit 20 ms": median_ms(command("intent", "list", "--limit", "20")),
        "intent status ms": median_ms(command("intent", "status", "--intent-id", middle)),
        "GET /v1/intents?limit=50 ms": median_ms(get("/v1/intents?limit=50")),
        "GET /v1/summary uncached ms": median_ms(get("/v1/summary", cold=True)),
        "GET /v1/summary cached ms": median_ms(get("/v1/summary")),
    }
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    result = chain_verify(enabled=True, record=False)
    seconds = time.perf_counter() - started
    row["verify-chain events/s"] = round(events / seconds)
    row["verify-chain valid"] = result["valid"]
    row["peak RSS growth during verify MiB"] = round(
        (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before) / 1024, 1
    )
    row["database bytes per event"] = round(database_bytes() / max(1, events))
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--events-per-intent", type=int, default=10)
    parser.add_argument("--backend", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--pg-dsn", default="postgresql://postgres@127.0.0.1:5432/converge_scale")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="converge-scale-"))
    os.environ.update(
        {
            "CONVERGE_HOME": str(workdir / "home"),
            "CONVERGE_DB_BACKEND": args.backend,
            "CONVERGE_DB_PATH": str(workdir / "scale.db"),
            "CONVERGE_PG_DSN": args.pg_dsn,
            "DJANGO_SETTINGS_MODULE": "converge_site.settings",
            "CONVERGE_LOG_LEVEL": "WARNING",
            "CONVERGE_API_KEYS": f"{KEY}:admin:bench",
            "CONVERGE_RATE_LIMIT_ENABLED": "0",
        }
    )
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    rows, done = [], 0
    for size in (int(s) for s in args.sizes.split(",")):
        started = time.perf_counter()
        grow(done, size, args.events_per_intent)
        loaded = time.perf_counter() - started
        done = size
        row = measure(size) | {"load s": round(loaded, 1)}
        rows.append(row)
        print(json.dumps(row), flush=True)
    keys = [key for key in rows[0] if key not in ("intents",)]
    print(f"\n{'figure':<38}" + "".join(f"{row['intents']:>12,}" for row in rows))
    for key in keys:
        cells = "".join(
            f"{row[key]:>12.1f}" if isinstance(row[key], float) else f"{row[key]!s:>12}"
            for row in rows
        )
        print(f"{key:<38}{cells}")


if __name__ == "__main__":
    main()
