"""Worker benchmark: intents merged per second by 1 and by 2 `converge worker` processes.

Each run builds a synthetic repository (``converge_core.synthetic``) with N clean branches,
creates and validates N intents on a fresh database, then starts one `converge beat` and W
workers (``--no-beat --concurrency 1``, auto-confirm on, 1 s poll) and waits until all N are
MERGED. Runs cover the embedded broker and Redis (127.0.0.1:6379, its own key prefix).

Reported per run: the merge rate between the first and the last merge (steady state) and the
wall time from starting the workers to the last merge (start-up included). Merges into one
target are serialised by its queue lock, so a second worker adds throughput only through what
runs beside the merges (dispatch, first validation) and through faster hand-over.

``--targets T`` spreads the intents round-robin over T target branches (``main``, ``main-1``…,
all at ``main``'s commit): each target has its own queue lock, so workers merge into different
targets in parallel. ``--cli`` adds, per target count, one ``converge queue run
--auto-confirm`` over the same seeded queue (no workers), the rate one process reaches.

    .venv/bin/python bench/worker_bench.py [--intents 200] [--backend sqlite|postgres]
        [--targets 1,2] [--cli] [--redis redis://127.0.0.1:6379/12]

With ``--backend postgres`` each run recreates the database ``converge_worker_bench`` on
``--pg`` (default postgresql://postgres@127.0.0.1:5432).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from converge_core.synthetic import BranchSpec, build_synthetic_repo  # noqa: E402

REDIS_URL = "redis://127.0.0.1:6379/12"
BENCH_DATABASE = "converge_worker_bench"

SEED = """
import json, sys
import django
django.setup()
from interfaces.dbready import ensure_database_ready
ensure_database_ready()
from intents.repositories import repository_resolve
from intents.services import intent_create
from intents.validation import intent_validate
spec = json.loads(sys.argv[1])
repository = repository_resolve(spec["repo"])
for n, (branch, target) in enumerate(zip(spec["branches"], spec["targets"])):
    data = {"id": f"b{n:04d}", "source": branch, "target": target}
    intent_create(data=data, repository=repository, actor="bench")
    assert intent_validate(intent_id=f"b{n:04d}")["decision"] == "validated"
"""

PROGRESS = """
import django
django.setup()
from ledger.selectors import event_feed
from intents.models import Intent
merged = Intent.objects.filter(status="MERGED").count()
times = event_feed(event_type="intent.merged", oldest_first=True).values_list(
    "timestamp", flat=True
)
first, last = (times.first(), times.last()) if merged else (None, None)
print(merged, first.isoformat() if first else "", last.isoformat() if last else "")
"""


def converge(env: dict[str, str], *args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "converge.cli", *args],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def python(env: dict[str, str], script: str, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", script, *args], env=env, capture_output=True, text=True
    )
    if done.returncode != 0:
        raise SystemExit(done.stderr[-3000:])
    return done.stdout


def recreate_postgres(server: str) -> str:
    import psycopg

    with psycopg.connect(f"{server}/postgres", autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {BENCH_DATABASE}")
        connection.execute(f"CREATE DATABASE {BENCH_DATABASE}")
    dsn = f"{server}/{BENCH_DATABASE}"
    migrate = subprocess.run(
        [sys.executable, "-m", "converge.cli", "migrate", "-v", "0"],
        env={**os.environ, "CONVERGE_DB_BACKEND": "postgres", "CONVERGE_PG_DSN": dsn},
        capture_output=True,
        text=True,
    )
    if migrate.returncode != 0:
        raise SystemExit(migrate.stderr[-3000:])
    return dsn


def clear_redis(prefix: str, url: str) -> None:
    import redis

    client = redis.Redis.from_url(url)
    for key in client.scan_iter(match=f"{prefix}*"):
        client.delete(key)
    client.close()


def target_names(count: int) -> list[str]:
    return ["main", *(f"main-{n}" for n in range(1, count))]


def run(
    *,
    intents: int,
    workers: int,
    broker: str,
    backend: str,
    pg: str,
    batch: int,
    targets: int = 1,
    redis_url: str = REDIS_URL,
) -> dict[str, object]:
    """``workers`` 0: one ``converge queue run --auto-confirm`` per target instead."""
    with tempfile.TemporaryDirectory(prefix="converge-worker-bench-") as scratch:
        tmp = Path(scratch)
        synthetic = build_synthetic_repo(
            tmp / "repo.git",
            packages=25,
            modules_per_package=40,
            branches=BranchSpec(clean=intents, conflicting_pairs=0, conflicts_with_main=0, wide=0),
            bare=True,
        )
        names = target_names(targets)
        for name in names[1:]:
            subprocess.run(
                ["git", "--git-dir", str(synthetic.path), "branch", name, "main"], check=True
            )
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("CONVERGE_")},
            "DJANGO_SETTINGS_MODULE": "converge_site.settings",
            "CONVERGE_HOME": str(tmp / "home"),
            "CONVERGE_LOG_LEVEL": "WARNING",
            "CONVERGE_FF_INTAKE_CONTROL": "0",  # a burst of creations would be throttled
            "CONVERGE_WORKER_POLL_INTERVAL": "1",
            "CONVERGE_WORKER_AUTO_CONFIRM": "1",
            "CONVERGE_WORKER_BATCH_SIZE": str(batch),
        }
        if backend == "postgres":
            env.update(CONVERGE_DB_BACKEND="postgres", CONVERGE_PG_DSN=recreate_postgres(pg))
        else:
            env.update(CONVERGE_DB_BACKEND="sqlite", CONVERGE_DB_PATH=str(tmp / "state.db"))
        prefix = f"converge-bench-{uuid.uuid4().hex[:8]}:"
        if broker == "redis":
            env.update(CONVERGE_BROKER_URL=redis_url, CONVERGE_BROKER_KEY_PREFIX=prefix)
        branches = list(synthetic.clean)
        spec = {
            "repo": str(synthetic.path),
            "branches": branches,
            "targets": [names[n % targets] for n in range(len(branches))],
        }
        python(env, SEED, json.dumps(spec))

        host = socket.gethostname()
        started = time.monotonic()
        if workers == 0:
            env["CONVERGE_REPO_PATH"] = str(synthetic.path)
            for name in names:
                queue = [sys.executable, "-m", "converge.cli", "queue", "run", "--auto-confirm"]
                queue += ["--skip-checks", "--limit", str(intents), "--target", name]
                subprocess.run(queue, env=env, capture_output=True, check=True)
        processes = (
            []
            if workers == 0
            else [converge(env, "beat")]
            + [
                converge(
                    env,
                    "worker",
                    "--no-beat",
                    "--concurrency",
                    "1",
                    "--hostname",
                    f"bench-{n}@{host}",
                )
                for n in range(workers)
            ]
        )
        try:
            while True:
                merged, first, last = (python(env, PROGRESS).split() + ["", ""])[:3]
                if int(merged) >= intents:
                    break
                if time.monotonic() - started > 900:
                    raise SystemExit(f"only {merged}/{intents} merged after 900 s")
                time.sleep(1)
            wall = time.monotonic() - started
        finally:
            for process in processes:
                process.send_signal(signal.SIGTERM)
            for process in processes:
                process.wait(90)
            if broker == "redis":
                clear_redis(prefix, redis_url)
        span = (datetime.fromisoformat(last) - datetime.fromisoformat(first)).total_seconds()
        return {
            "backend": backend,
            "broker": broker,
            "workers": workers,
            "targets": targets,
            "intents": intents,
            "batch_size": batch,
            "merged_per_second": round((intents - 1) / span, 2),
            "wall_seconds": round(wall, 1),
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--intents", type=int, default=200)
    parser.add_argument("--backend", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432")
    parser.add_argument("--brokers", default="embedded,redis")
    parser.add_argument("--workers", default="1,2")
    parser.add_argument("--batch-size", type=int, default=20, help="CONVERGE_WORKER_BATCH_SIZE")
    parser.add_argument("--targets", default="1", help="target counts to run, e.g. 1,2")
    parser.add_argument("--cli", action="store_true", help="also time `queue run` alone")
    parser.add_argument("--redis", default=REDIS_URL, help="Redis URL of the redis broker runs")
    args = parser.parse_args()
    results = []
    for targets in (int(t) for t in args.targets.split(",")):
        plans = [("cli", 0)] if args.cli else []
        plans += [(b, int(w)) for b in args.brokers.split(",") for w in args.workers.split(",")]
        for broker, workers in plans:
            result = run(
                intents=args.intents,
                workers=workers,
                broker=broker,
                backend=args.backend,
                pg=args.pg,
                batch=args.batch_size,
                targets=targets,
                redis_url=args.redis,
            )
            results.append(result)
            who = "queue run (CLI)" if workers == 0 else f"{workers} worker(s)"
            print(
                f"{result['backend']:<9} {broker:<9} {targets} target(s) {who:<16}: "
                f"{result['merged_per_second']:>6} merged/s, "
                f"{result['wall_seconds']:>6} s wall for {args.intents}",
                flush=True,
            )
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
