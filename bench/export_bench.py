"""Decision export benchmark: throughput and peak memory of ``export decisions``.

A fresh database (SQLite by default, or PostgreSQL with ``--pg-dsn``) gets ``--intents``
intents (100,000), each with a ``simulation.completed``, a ``risk.evaluated`` and a
``policy.evaluated`` event like the pipeline writes. Then the dataset is exported to a file
in both formats through the service the CLI uses, and streamed as the HTTP view streams it.
Reported per run: records, seconds, records per second, and peak memory: the peak of Python
allocations during the export (tracemalloc, in a second run so that tracing does not slow
the timed one) and the process's maximum resident set size.

    .venv/bin/python bench/export_bench.py [--intents 100000] [--pg-dsn postgresql://...]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BATCH = 2000
FILES = [f"pkg{n}/module{n}.py" for n in range(4)]


def _risk(n: int) -> dict[str, Any]:
    return {
        "risk_score": float(n % 90),
        "damage_score": float(n % 60),
        "entropy_score": float(n % 20),
        "propagation_score": float(n % 40),
        "containment_score": 0.8,
        "signals": {
            "entropic_load": float(n % 20),
            "contextual_value": 1.0,
            "complexity_delta": 0.0,
            "path_dependence": 5.0,
        },
        "findings": [],
        "impact_edges": [{"source": FILES[0], "target": FILES[1], "type": "co_located"}],
        "graph_metrics": {"nodes": 4, "edges": 3, "density": 0.25},
        "bombs": [{"type": "cascade"}] if n % 7 == 0 else [],
    }


def seed(count: int) -> None:
    from django.utils import timezone

    from intents.models import Intent
    from intents.repositories import repository_resolve
    from ledger.append import event_append_many

    repository = repository_resolve(ROOT)
    now = timezone.now()
    for start in range(0, count, BATCH):
        numbers = range(start, min(start + BATCH, count))
        Intent.objects.bulk_create(
            Intent(
                id=f"bench-{n:06d}",
                repository=repository,
                source=f"feature/bench-{n}",
                target="main",
                tenant_id="bench",
                priority=n % 5 + 1,
                created_at=now,
            )
            for n in numbers
        )
        events: list[dict[str, Any]] = []
        for n in numbers:
            intent = {"intent_id": f"bench-{n:06d}", "tenant_id": "bench"}
            events += [
                {
                    **intent,
                    "event_type": "simulation.completed",
                    "payload": {"mergeable": True, "conflicts": [], "files_changed": FILES},
                },
                {**intent, "event_type": "risk.evaluated", "payload": _risk(n)},
                {
                    **intent,
                    "event_type": "policy.evaluated",
                    "payload": {"verdict": "ALLOW", "gates": [], "profile_used": "medium"},
                },
            ]
        event_append_many(events)


def _max_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure(label: str, run: Any) -> dict[str, Any]:
    started = time.perf_counter()
    records = run()
    seconds = time.perf_counter() - started
    tracemalloc.start()
    run()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {
        "run": label,
        "records": records,
        "seconds": round(seconds, 2),
        "records_per_second": round(records / seconds),
        "peak_python_mib": round(peak / 2**20, 1),
        "max_rss_mib": round(_max_rss_mib(), 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--intents", type=int, default=100_000)
    parser.add_argument("--pg-dsn", help="benchmark on this (empty) PostgreSQL database")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="converge-export-"))
    os.environ.update(
        {
            "CONVERGE_HOME": str(workdir / "home"),
            "CONVERGE_DB_BACKEND": "postgres" if args.pg_dsn else "sqlite",
            "CONVERGE_DB_PATH": str(workdir / "export.db"),
            "DJANGO_SETTINGS_MODULE": "converge_site.settings",
            "CONVERGE_LOG_LEVEL": "WARNING",
        }
    )
    if args.pg_dsn:
        os.environ["CONVERGE_PG_DSN"] = args.pg_dsn
    import django

    django.setup()
    from django.core.management import call_command

    from exports.dataset import DatasetFilter
    from exports.services import export_decisions, export_stream
    from interfaces.dbready import ensure_database_ready

    if args.pg_dsn:
        call_command("migrate", verbosity=0)
    ensure_database_ready()
    started = time.perf_counter()
    seed(args.intents)
    if args.pg_dsn:  # statistics for the planner, as autovacuum would gather after a bulk load
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    seeded = time.perf_counter() - started
    rss_after_seed = _max_rss_mib()

    def to_file(fmt: str) -> Any:
        def run() -> int:
            output = workdir / f"decisions.{fmt}"
            return int(export_decisions(fmt=fmt, output=str(output))["records"])

        return run

    def streamed() -> int:
        # one chunk per record (the header travels with the first)
        return sum(1 for _ in export_stream(fmt="csv", scope=DatasetFilter(tenant_id="bench")))

    rows = [
        measure("file jsonl", to_file("jsonl")),
        measure("file csv", to_file("csv")),
        measure("HTTP stream csv", streamed),
    ]
    backend = "PostgreSQL" if args.pg_dsn else "SQLite"
    print(
        f"\nDecision export, {args.intents} intents with 3 decision events each on {backend} "
        f"(seeded in {seeded:.0f} s; max RSS after seeding {rss_after_seed:.0f} MiB)\n"
    )
    for row in rows:
        print(
            f"{row['run']:<16} {row['records']:>7} records in {row['seconds']:>6.2f} s: "
            f"{row['records_per_second']:>6} rows/s, peak Python memory "
            f"{row['peak_python_mib']} MiB, max RSS {row['max_rss_mib']} MiB"
        )
    print(json.dumps(rows))


if __name__ == "__main__":
    main()
