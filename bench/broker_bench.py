"""Embedded-broker benchmark: tasks per second through the transport, printed as JSON.

Three measurements on a fresh broker folder each (``bench.brokerload``: a minimal Celery app
configured as Converge's worker, whose task only records that it ran):

- ``concurrent``: P producer processes send N tasks while W worker processes consume them; the
  rate is N over the time from the first send to the last run (sent and consumed);
- ``send``: the same producers with no worker running (publishing alone);
- ``drain``: W workers consuming a backlog of N tasks (consuming alone).

Every run checks that each task ran exactly once. No database is involved.

    .venv/bin/python bench/broker_bench.py [--tasks 2000] [--producers 4] [--workers 2]
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import brokerload  # noqa: E402


def exactly_once(home: Path, tasks: int) -> dict[str, int]:
    counts = brokerload.runs(home)
    return {
        "missing": tasks - len(counts),
        "duplicated": sum(1 for seen in counts.values() if seen > 1),
    }


def timed_send(home: Path, tasks: int, producers: int) -> float:
    started = time.monotonic()
    for producer in brokerload.start_producers(home, tasks, producers):
        if producer.wait() != 0:
            raise RuntimeError(f"a producer failed: see {home / 'logs'}")
    return time.monotonic() - started


def run(kind: str, *, tasks: int, producers: int, workers: int, concurrency: int) -> dict[str, Any]:
    home = Path(tempfile.mkdtemp(prefix=f"broker-bench-{kind}-"))
    try:
        brokerload.load_prepare(home)
        result: dict[str, Any] = {"tasks": tasks}
        if kind == "send":
            seconds = timed_send(home, tasks, producers)
            return {**result, "producers": producers, "seconds": round(seconds, 3)}
        if kind == "drain":
            timed_send(home, tasks, producers)
        consumers = brokerload.start_workers(home, workers, concurrency=concurrency)
        try:
            started = time.monotonic()
            if kind == "concurrent":
                brokerload.start_producers(home, tasks, producers)
            brokerload.wait_for_runs(home, tasks, timeout=600)
            seconds = time.monotonic() - started
        finally:
            brokerload.stop(consumers)
        result.update(exactly_once(home, tasks))
        if kind == "concurrent":
            result["producers"] = producers
        return {
            **result,
            "workers": workers,
            "concurrency": concurrency,
            "seconds": round(seconds, 3),
        }
    finally:
        brokerload.purge()
        shutil.rmtree(home, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=2000)
    parser.add_argument("--producers", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--concurrency", type=int, default=2, help="pool processes per worker")
    args = parser.parse_args()
    report: dict[str, Any] = {"transport": brokerload.app.conf.broker_transport}
    for kind in ("concurrent", "send", "drain"):
        result = run(
            kind,
            tasks=args.tasks,
            producers=args.producers,
            workers=args.workers,
            concurrency=args.concurrency,
        )
        result["tasks_per_second"] = round(result["tasks"] / result["seconds"], 1)
        report[kind] = result
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
