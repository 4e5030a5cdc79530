"""Event economy: what the worker writes to the audit log when nothing changes, and per merge.

Two measurements on a fresh SQLite database and a synthetic repository of clean branches
(``converge_core.synthetic``), through the worker's own beat tasks run in-process (eager):

- idle: ``--intents`` intents (100) are created, validated and taken into the queue by one
  worker cycle with auto-confirm off (the first decision). Then ``--cycles`` more cycles run
  with nothing changing (one cycle = the two poll-interval tasks, ``validate-ready-intents``
  and ``process-queues``), and the periodic tasks run as often as their schedule has them in
  an hour (``worker-heartbeat``, ``operations-snapshots``, ``review-sweep``). Events per hour =
  events per cycle × cycles per hour at the poll interval (5 s: 720) + the periodic tasks'.
  The target is none.
- merge: ``--merge-intents`` intents (50) are created and left to the worker with auto-confirm
  on until all are merged; reported are the events per merged intent, by type.

    .venv/bin/python bench/event_economy_bench.py [--intents 100] [--cycles 60]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

POLL_INTERVAL = 5.0
HOUR = 3600.0


def _events_by_type(since_seq: int) -> Counter[str]:
    from ledger.selectors import event_counts

    return event_counts(after_seq=since_seq)


def _last_seq() -> int:
    from ledger.selectors import event_feed

    return event_feed().values_list("seq", flat=True).first() or 0


def _fresh(workdir: Path, name: str, branches: int) -> tuple[Any, list[str]]:
    from django.core.cache import cache
    from django.core.management import call_command

    from converge_core.synthetic import BranchSpec, build_synthetic_repo
    from intents.repositories import repository_resolve
    from intents.services import intent_create

    call_command("flush", interactive=False, verbosity=0)
    cache.clear()
    built = build_synthetic_repo(
        workdir / name,
        branches=BranchSpec(clean=branches, conflicting_pairs=0, conflicts_with_main=0, wide=0),
        bare=True,
    )
    repository = repository_resolve(built.path)
    ids = []
    for n, branch in enumerate(built.clean):
        intent_id = f"{name}-{n:04d}"
        intent_create(
            data={"id": intent_id, "source": branch}, repository=repository, actor="bench"
        )
        ids.append(intent_id)
    return repository, ids


def _cycle() -> None:
    from intents.tasks import queue_dispatch_task, ready_intents_dispatch_task

    ready_intents_dispatch_task()
    queue_dispatch_task()


def _periodic_hour() -> Counter[str]:
    """The periodic tasks as often as the beat runs them in an hour, clock advanced to match."""
    from django.conf import settings
    from django.core.cache import cache
    from django.utils import timezone

    from insights.services import snapshots_record_all
    from intents.tasks import worker_heartbeat_task
    from reviews.tasks import review_sweep_task

    before = _last_seq()
    beats = settings.CELERY_BEAT_SCHEDULE
    heartbeat = beats.get("worker-heartbeat")
    if heartbeat is not None:
        for _ in range(int(HOUR // heartbeat["schedule"].total_seconds())):
            worker_heartbeat_task()
    start = timezone.now()
    snapshot_every = beats["operations-snapshots"]["schedule"].total_seconds()
    for n in range(int(HOUR // snapshot_every)):
        snapshots_record_all(now=start + timedelta(seconds=n * snapshot_every))
    for _ in range(int(HOUR // beats["review-sweep"]["schedule"].total_seconds())):
        review_sweep_task()
    cache.clear()
    return _events_by_type(before)


def idle(workdir: Path, intents: int, cycles: int) -> dict[str, Any]:
    from django.conf import settings

    from insights.services import snapshots_record_all
    from intents.models import Intent
    from intents.validation import intent_validate

    settings.CONVERGE_WORKER_AUTO_CONFIRM = False
    _, ids = _fresh(workdir, "idle", intents)
    for intent_id in ids:
        assert intent_validate(intent_id=intent_id)["decision"] == "validated"
    _cycle()  # the first decision: VALIDATED -> QUEUED
    snapshots_record_all()  # the snapshots of those decisions, before the quiet hour begins
    queued = Intent.objects.filter(status="QUEUED").count()
    before = _last_seq()
    started = time.perf_counter()
    for _ in range(cycles):
        _cycle()
    elapsed = time.perf_counter() - started
    per_cycles = _events_by_type(before)
    periodic = _periodic_hour()
    cycles_per_hour = HOUR / POLL_INTERVAL
    per_hour = {kind: round(count * cycles_per_hour / cycles) for kind, count in per_cycles.items()}
    for kind, count in periodic.items():
        per_hour[kind] = per_hour.get(kind, 0) + count
    return {
        "intents": intents,
        "queued": queued,
        "cycles": cycles,
        "seconds_per_cycle": round(elapsed / cycles, 4),
        "events_in_cycles": sum(per_cycles.values()),
        "events_per_hour": sum(per_hour.values()),
        "events_per_hour_by_type": dict(sorted(per_hour.items())),
    }


def merge(workdir: Path, intents: int) -> dict[str, Any]:
    from django.conf import settings

    from intents.models import Intent

    settings.CONVERGE_WORKER_AUTO_CONFIRM = True
    _, ids = _fresh(workdir, "merge", intents)  # a fresh log: every event counts
    cycles = 0
    while Intent.objects.filter(status="MERGED").count() < len(ids):
        cycles += 1
        if cycles > 10 * intents:
            raise SystemExit("the merge run did not converge")
        _cycle()
    events = _events_by_type(0)
    merged = len(ids)
    return {
        "intents": merged,
        "cycles": cycles,
        "events_per_merged_intent": round(sum(events.values()) / merged, 2),
        "events_per_merged_intent_by_type": {
            kind: round(count / merged, 2) for kind, count in sorted(events.items())
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--intents", type=int, default=100)
    parser.add_argument("--cycles", type=int, default=60)
    parser.add_argument("--merge-intents", type=int, default=50)
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="converge-economy-"))
    os.environ.update(
        {
            "CONVERGE_HOME": str(workdir / "home"),
            "CONVERGE_DB_BACKEND": "sqlite",
            "CONVERGE_DB_PATH": str(workdir / "economy.db"),
            "DJANGO_SETTINGS_MODULE": "converge_site.settings",
            "CONVERGE_LOG_LEVEL": "WARNING",
            "CONVERGE_FF_INTAKE_CONTROL": "0",  # a burst of creations would be throttled
            "CONVERGE_WORKER_POLL_INTERVAL": str(POLL_INTERVAL),
        }
    )
    import django

    django.setup()
    from converge_site.celery import app
    from interfaces import workerstate
    from interfaces.dbready import ensure_database_ready

    ensure_database_ready()
    app.conf.task_always_eager = True
    workerstate.worker_state_init()

    idle_row = idle(workdir, args.intents, args.cycles)
    merge_row = merge(workdir, args.merge_intents)
    print(f"\nEvent economy ({workdir})\n")
    print(
        f"idle: {idle_row['queued']} QUEUED intents, auto-confirm off, nothing changing: "
        f"{idle_row['events_in_cycles']} events in {idle_row['cycles']} cycles "
        f"({idle_row['seconds_per_cycle'] * 1000:.0f} ms a cycle), "
        f"{idle_row['events_per_hour']} events an hour at a {POLL_INTERVAL:.0f} s poll interval"
    )
    for kind, count in idle_row["events_per_hour_by_type"].items():
        print(f"  {kind:<28} {count:>9}/h")
    print(
        f"merge: {merge_row['intents']} intents merged by the worker with auto-confirm on in "
        f"{merge_row['cycles']} cycles: {merge_row['events_per_merged_intent']} events each"
    )
    for kind, count in merge_row["events_per_merged_intent_by_type"].items():
        print(f"  {kind:<28} {count:>9}")
    print(json.dumps({"idle": idle_row, "merge": merge_row}))


if __name__ == "__main__":
    main()
