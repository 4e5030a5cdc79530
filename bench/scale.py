"""Scale: the read paths, one-intent writes and the console at 1k / 10k / 100k intents.

The database grows in steps to each size (:mod:`bench.scalegen`: intents with statuses spread
over the lifecycle, a tenant each of ten, ``--events-per-intent`` events each on a real hash
chain, and one review task per ten intents). At each size, measured in-process (start-up
excluded, medians of 5 unless said):

- ``intent list --limit 20``, ``intent status``, ``GET /v1/intents?limit=50``,
  ``GET /v1/summary`` (uncached and cached);
- validate (``--skip-checks``) and ``queue run --auto-confirm`` of one new intent of a small
  synthetic repository, with their query counts (medians of 3);
- the console (a superuser in Django's test client): the dashboard and the intents, events
  and review tasks changelists, with their query counts;
- ``audit prune --retention-days 90`` of a fixed batch of 200 finished intents whose history is
  200 days old, appended for the purpose (the same work at every size);
- ``audit verify-chain``: events/s and the growth of the process's peak memory;
- the database bytes per event (the event table with its indexes, and the whole database).

    .venv/bin/python bench/scale.py [--sizes 1000,10000,100000] [--events-per-intent 10]
        [--backend sqlite|postgres --pg-dsn postgresql://postgres@127.0.0.1:5432/converge_scale]

``--sizes 100000 --events-per-intent 100`` is the 10-million-event log. :func:`scale_rows`
gives the figures as ``make bench`` rows, each size's figure against the 1k figure as its floor.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

KEY = "bench-admin-key-0123456789"
PRUNE_INTENTS = 200
WRITES_PER_SIZE = 3


def median_ms(call: Callable[[], object], runs: int = 5) -> float:
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples) * 1000


def counted(call: Callable[[], object]) -> tuple[float, int]:
    """Milliseconds and queries of one call."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        call()
        elapsed = time.perf_counter() - started
    return elapsed * 1000, len(queries)


def database_bytes() -> tuple[int, int]:
    """(the event table with its indexes, the whole database)."""
    from django.conf import settings
    from django.db import OperationalError, connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT pg_total_relation_size('intents_event'), "
                "pg_database_size(current_database())"
            )
            table, total = cursor.fetchone()
            return int(table), int(total)
        try:
            cursor.execute(
                "SELECT SUM(pgsize) FROM dbstat WHERE name IN "
                "(SELECT name FROM sqlite_master WHERE tbl_name = 'intents_event')"
            )
            table = int(cursor.fetchone()[0] or 0)
        except OperationalError:  # SQLite built without the dbstat table
            table = 0
    path = Path(settings.DATABASES["default"]["NAME"])
    return table, sum(p.stat().st_size for p in path.parent.glob(path.name + "*"))


def add_reviews(start: int, stop: int) -> None:
    """One review task for every tenth intent (statuses and risk spread)."""
    from datetime import timedelta

    from django.utils import timezone

    from bench.scalegen import intent_id
    from reviews.models import ReviewTask

    now = timezone.now()
    ReviewTask.objects.bulk_create(
        [
            ReviewTask(
                id=f"rev-{n:07d}",
                intent_id=intent_id(n),
                status=("pending", "assigned", "completed")[n % 3],
                priority=1 + n % 5,
                risk_level=("low", "medium", "high")[n % 3],
                trigger="policy",
                resolution="approved" if n % 3 == 2 else None,
                sla_deadline=now + timedelta(hours=n % 48 - 24),
                tenant_id=f"tenant-{n % 10}",
            )
            for n in range(start + (-start) % 10, stop, 10)
        ],
        batch_size=5000,
    )


class Writes:
    """One synthetic repository whose clean branches become one new intent at a time."""

    def __init__(self, workdir: Path, count: int) -> None:
        from converge_core.synthetic import BranchSpec, build_synthetic_repo
        from intake.services import intake_mode_set
        from intents.repositories import repository_resolve

        # a big backlog would throttle intake: the operator opens it for the benchmark
        intake_mode_set(mode="open", actor="bench")
        built = build_synthetic_repo(
            workdir / f"writes-{workdir.name[-8:]}",
            branches=BranchSpec(clean=count, conflicting_pairs=0, conflicts_with_main=0, wide=0),
        )
        self.repository = repository_resolve(built.path)
        self.branches = list(built.clean)

    def measure(self) -> dict[str, float]:
        from converge_core.security import ScanTrigger
        from intents.queue import QueueOptions, queue_run
        from intents.services import intent_create
        from intents.validation import ValidationOptions, intent_validate
        from security.services import security_scan

        samples: dict[str, list[float]] = {k: [] for k in ("vms", "vq", "qms", "qq")}
        for _ in range(WRITES_PER_SIZE):
            branch = self.branches.pop(0)
            ident = f"{self.repository.name}-{branch.replace('/', '-')}"
            intent_create(
                data={"id": ident, "source": branch}, repository=self.repository, actor="bench"
            )
            security_scan(intent_id=ident, trigger=ScanTrigger.PRESCAN)
            ms, queries = counted(
                partial(
                    intent_validate, intent_id=ident, options=ValidationOptions(skip_checks=True)
                )
            )
            samples["vms"].append(ms)
            samples["vq"].append(queries)
            options = QueueOptions(
                limit=1, targets=["main"], auto_confirm=True, skip_checks=True, wait=0
            )
            ms, queries = counted(partial(queue_run, repository=self.repository, options=options))
            samples["qms"].append(ms)
            samples["qq"].append(queries)
        return {
            "validate one intent ms": statistics.median(samples["vms"]),
            "validate one intent queries": statistics.median(samples["vq"]),
            "queue run one intent ms": statistics.median(samples["qms"]),
            "queue run one intent queries": statistics.median(samples["qq"]),
        }


CONSOLE = {
    "console dashboard": "/admin/",
    "console intents": "/admin/intents/intent/",
    "console intents (status filter)": "/admin/intents/intent/?status__exact=VALIDATED",
    "console events": "/admin/ledger/event/",
    "console events (one intent)": "/admin/ledger/event/?q=scale-0000500",
    "console review tasks": "/admin/reviews/reviewtask/",
}


def console(size: int) -> dict[str, float]:
    from django.contrib.auth import get_user_model
    from django.test import Client

    user_model = get_user_model()
    user = user_model.objects.filter(username="scale-admin").first()
    if user is None:
        user = user_model.objects.create_superuser("scale-admin", "a@example.com", "x")
    client = Client(HTTP_HOST="localhost")
    client.force_login(user)
    row: dict[str, float] = {}
    for name, path in CONSOLE.items():

        def call(path: str = path) -> None:
            response = client.get(path)
            assert response.status_code == 200, (path, response.status_code)

        call()
        row[f"{name} ms"] = median_ms(call)
        row[f"{name} queries"] = counted(call)[1]
    return row


def prune(label: str, events_per_intent: int) -> dict[str, float]:
    from bench.scalegen import load_old_batch
    from intents.retention import audit_prune

    written = load_old_batch(label, PRUNE_INTENTS, events_per_intent)
    ms, queries = counted(lambda: audit_prune(retention_days=90))
    result_ms = ms
    return {
        "prune 200 old intents ms": result_ms,
        "prune queries": queries,
        "prune events removed": written,
    }


def measure(size: int, writes: Writes | None, events_per_intent: int) -> dict[str, Any]:
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
    row: dict[str, Any] = {
        "intents": size,
        "intent list --limit 20 ms": median_ms(command("intent", "list", "--limit", "20")),
        "intent status ms": median_ms(command("intent", "status", "--intent-id", middle)),
        "GET /v1/intents?limit=50 ms": median_ms(get("/v1/intents?limit=50")),
        "GET /v1/summary uncached ms": median_ms(get("/v1/summary", cold=True)),
        "GET /v1/summary cached ms": median_ms(get("/v1/summary")),
    }
    if writes is not None:
        row |= writes.measure()
    row |= console(size)
    row |= prune(f"{size}-{time.time_ns()}", events_per_intent)
    events = event_count()
    row["events"] = events
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    result = chain_verify(enabled=True, record=False)
    seconds = time.perf_counter() - started
    row["verify-chain events/s"] = round(events / seconds)
    row["verify-chain valid"] = result["valid"]
    row["peak RSS growth during verify MiB"] = round(
        (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before) / 1024, 1
    )
    table, total = database_bytes()
    row["event table bytes per event"] = round(table / max(1, events))
    row["database bytes per event"] = round(total / max(1, events))
    return row


def run(
    *,
    sizes: list[int],
    events_per_intent: int,
    backend: str = "sqlite",
    pg_dsn: str = "",
    writes: bool = True,
    keep: Path | None = None,
    load_only: bool = False,
) -> list[dict[str, Any]]:
    """Grow a database through ``sizes`` and measure at each (Django set up here).

    The database is fresh unless ``keep`` names a SQLite file (or, on PostgreSQL, a database)
    to grow on from where an earlier run left it.
    """
    workdir = Path(tempfile.mkdtemp(prefix="converge-scale-"))
    os.environ.update(
        {
            "CONVERGE_HOME": str(workdir / "home"),
            "CONVERGE_DB_BACKEND": backend,
            "CONVERGE_DB_PATH": str(keep or workdir / "scale.db"),
            "CONVERGE_PG_DSN": pg_dsn,
            "DJANGO_SETTINGS_MODULE": "converge_site.settings",
            "CONVERGE_LOG_LEVEL": "WARNING",
            "CONVERGE_API_KEYS": f"{KEY}:admin:bench",
            "CONVERGE_RATE_LIMIT_ENABLED": "0",
        }
    )
    import django

    django.setup()
    from django.core.management import call_command

    from bench.scalegen import analyze, grow
    from intents.models import Intent

    call_command("migrate", verbosity=0)
    if backend == "postgres" and keep is None:
        call_command("flush", interactive=False, verbosity=0)
    repo_writes = Writes(workdir, WRITES_PER_SIZE * len(sizes)) if writes else None
    rows = []
    done = Intent.objects.filter(id__startswith="scale-").count()
    for size in sizes:
        started = time.perf_counter()
        written = grow(done, size, events_per_intent) if size > done else 0
        add_reviews(done, size)
        analyze()
        loaded = time.perf_counter() - started
        done = max(done, size)
        if load_only:
            print(json.dumps({"intents": size, "load s": round(loaded, 1)}), flush=True)
            continue
        row = measure(size, repo_writes, events_per_intent) | {
            "load s": round(loaded, 1),
            "load events/s": round(written / max(loaded, 1e-9)),
        }
        rows.append(row)
        print(json.dumps(row), flush=True)
    return rows


Row = tuple[str, str, float | None, str, float | None]


def rows_of(results: list[dict[str, Any]]) -> list[Row]:
    """Each size's figures as table rows, the first size's figure as the floor."""
    first = results[0]
    out: list[Row] = []
    for key, value in results[0].items():
        if key == "intents" or not isinstance(value, int | float) or isinstance(value, bool):
            continue
        name, _, unit = key.rpartition(" ")
        if unit not in ("ms", "queries", "events/s", "MiB", "s", "event"):
            name, unit = key, ""
        for row in results:
            floor_name = f"at {first['intents']:,} intents" if row is not first else ""
            out.append(
                (
                    f"scale {row['intents']:,} intents: {name}",
                    unit,
                    float(row[key]),
                    floor_name,
                    float(first[key]) if row is not first else None,
                )
            )
    return out


def scale_rows(
    *,
    sizes: tuple[int, ...] = (1000, 10000, 100000),
    events_per_intent: int = 10,
    backend: str = "sqlite",
    pg_dsn: str = "",
) -> list[Row]:
    """The scale figures as ``make bench`` rows: (figure, unit, value, floor name, floor).

    Growth is shown against the smallest size: its figure is every other size's floor, so the
    ratio is how much the figure grew. The benchmark runs in a child process: it configures
    Django for its own database, whatever the caller's process has set up.
    """
    argv = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--sizes",
        ",".join(str(size) for size in sizes),
        "--events-per-intent",
        str(events_per_intent),
        "--backend",
        backend,
        "--json-out",
    ]
    if pg_dsn:
        argv += ["--pg-dsn", pg_dsn]
    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        subprocess.run([*argv, out.name], check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
        return rows_of(json.loads(Path(out.name).read_text()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--events-per-intent", type=int, default=10)
    parser.add_argument("--backend", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--pg-dsn", default="postgresql://postgres@127.0.0.1:5432/converge_scale")
    parser.add_argument("--no-writes", action="store_true", help="skip validate and queue run")
    parser.add_argument(
        "--keep",
        type=Path,
        help="grow on this SQLite file (PostgreSQL: the --pg-dsn database) instead of a fresh one",
    )
    parser.add_argument(
        "--load-only", action="store_true", help="grow the database, measure nothing"
    )
    parser.add_argument("--json-out", type=Path, help="also write the rows to this JSON file")
    args = parser.parse_args()
    rows = run(
        sizes=[int(s) for s in args.sizes.split(",")],
        events_per_intent=args.events_per_intent,
        backend=args.backend,
        pg_dsn=args.pg_dsn,
        writes=not args.no_writes,
        keep=args.keep,
        load_only=args.load_only,
    )
    if args.json_out:
        args.json_out.write_text(json.dumps(rows))
    if not rows:
        return
    keys = [key for key in rows[0] if key != "intents"]
    print(f"\n{'figure':<42}" + "".join(f"{row['intents']:>12,}" for row in rows))
    for key in keys:
        cells = "".join(
            f"{row[key]:>12.1f}" if isinstance(row[key], float) else f"{row[key]!s:>12}"
            for row in rows
        )
        print(f"{key:<42}{cells}")


if __name__ == "__main__":
    main()
