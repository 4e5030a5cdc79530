"""Backfill throughput: rows per second of ``scripts/backfill_sqlite_to_pg.py`` each way.

A PostgreSQL database of its own is filled with ``--events`` hash-chained events (100,000)
through the ledger's batch append; then the runbook's rollback copies it to a fresh SQLite file
(``--reverse``) and the forward direction copies that file into a second, empty PostgreSQL
database. Both copies verify row counts and the whole audit chain before they commit; the
figures are the script's own (``rows_per_second``, verification included).

    .venv/bin/python bench/backfill_bench.py [--events 100000] [--batch-size 2000]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import psycopg
from psycopg.conninfo import conninfo_to_dict, make_conninfo

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "backfill_sqlite_to_pg.py"
NAMES = ("converge_bench_backfill_src", "converge_bench_backfill_dst")
APPEND_BATCH = 1000

FILL = """
import sys
import django
django.setup()
from django.core.management import call_command
from ledger.append import event_append_many
call_command("migrate", interactive=False, verbosity=0)
total, batch = int(sys.argv[1]), int(sys.argv[2])
for start in range(0, total, batch):
    event_append_many([
        {"event_type": "intent.created", "intent_id": f"bench-{n}", "tenant_id": "bench",
         "payload": {"n": n, "source": f"feature/{n}", "target": "main"}}
        for n in range(start, min(total, start + batch))
    ])
"""


def _server() -> dict[str, Any]:
    parts = conninfo_to_dict(os.environ.get("CONVERGE_PG_DSN") or "host=127.0.0.1 user=postgres")
    parts.pop("dbname", None)
    return parts


def _recreate(names: tuple[str, ...]) -> list[str]:
    with psycopg.connect(make_conninfo(**_server(), dbname="postgres"), autocommit=True) as conn:
        for name in names:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')
    return [make_conninfo(**_server(), dbname=name) for name in names]


def _env(home: Path, **extra: str) -> dict[str, str]:
    env = {
        **os.environ,
        "CONVERGE_HOME": str(home),
        "DJANGO_SECRET_KEY": "bench",
        "DJANGO_SETTINGS_MODULE": "converge_site.settings",
        "PYTHONPATH": str(ROOT),
        **extra,
    }
    return env


def _backfill(env: dict[str, str], *args: str) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, str(SCRIPT), *args], env=env, capture_output=True, text=True, check=False
    )
    if done.returncode:
        raise SystemExit(f"backfill failed: {done.stderr.strip()}")
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--batch-size", type=int, default=2000)
    args = parser.parse_args()
    source, target = _recreate(NAMES)
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        env = _env(home, CONVERGE_DB_BACKEND="postgres", CONVERGE_PG_DSN=source)
        started = time.monotonic()
        subprocess.run(
            [sys.executable, "-c", FILL, str(args.events), str(APPEND_BATCH)], env=env, check=True
        )
        filled = time.monotonic() - started
        sqlite = home / "state.db"
        batch = ["--batch-size", str(args.batch_size)]
        reverse = _backfill(env, "--reverse", "--source", source, "--target", str(sqlite), *batch)
        forward = _backfill(env, "--source", str(sqlite), "--target", target, *batch)
    report = {
        "events": args.events,
        "batch_size": args.batch_size,
        "fill_seconds": round(filled, 1),
        "postgres_to_sqlite": _summary(reverse),
        "sqlite_to_postgres": _summary(forward),
    }
    print(json.dumps(report, indent=2))
    with psycopg.connect(make_conninfo(**_server(), dbname="postgres"), autocommit=True) as conn:
        for name in NAMES:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _summary(result: dict[str, Any]) -> dict[str, Any]:
    events = result["tables"]["intents_event"]
    return {
        "rows_copied": result["rows_copied"],
        "events_copied": events["copied"],
        "seconds": result["seconds"],
        "cpu_seconds": result["cpu_seconds"],
        "rows_per_second": result["rows_per_second"],
        "chain_valid": result["audit_chain"]["valid"],
    }


if __name__ == "__main__":
    main()
