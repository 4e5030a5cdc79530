"""Batched checks against one-at-a-time: check runs and wall time to drain a queue.

For each failure rate (default 0 %, 2 %, 10 %) and each of ``--placements`` seeded placements
of the failing intents, a fresh SQLite database and a fresh repository get ``--intents``
intents (50), each adding a file of its own; a failing intent also adds a ``BROKEN`` file,
which makes the repository's check (a real subprocess sleeping ``--check-seconds``, 2 s) fail
on any tree that holds it. The intents are validated without their checks, so every check run
counted is the queue's, then ``queue run --auto-confirm`` drains the queue twice on identical
repositories: batched (the policy's ``queue.batch``: window 4, adaptive) and one at a time
(window 1). Reported per rate: the mean over the placements of the check runs (``CheckRun``
rows, flaky re-runs included) and of the wall time, both modes, and their ratio; and for
every run that the failing intents were the ones blocked, the others merged, and that ``main``
ends on the last green tested tree.

    .venv/bin/python bench/queue_bench.py [--intents 50] [--check-seconds 2]
        [--rates 0,0.02,0.10] [--placements 10] [--baseline-placements 10] [--seed 1]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import time
from pathlib import Path
from statistics import fmean
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CHECK_SCRIPT = """\
import pathlib, sys, time
time.sleep(float(sys.argv[1]))
broken = sorted(str(p) for p in pathlib.Path(".").rglob("BROKEN*"))
if broken:
    print("FAIL: the tree holds", ", ".join(broken))
    sys.exit(1)
print("ok")
"""


def _commit(repo: Path, branch: str, files: dict[str, str]) -> None:
    """Commit ``files`` on ``branch``, the branch checked out in ``repo``."""
    from bench.queue_scenario import git

    for name, content in files.items():
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        (repo / name).write_text(content)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", f"{branch}: {', '.join(files)}")


def drain(
    workdir: Path, intents: int, failing: set[int], check_seconds: float, window: int | None
) -> dict[str, Any]:
    """One queue drained from scratch; ``window`` None = the policy's adaptive batches."""
    from django.conf import settings
    from django.core.cache import cache
    from django.core.management import call_command

    from bench.queue_scenario import git
    from converge_core.states import QUEUEABLE
    from intents.models import CheckRun, Intent
    from intents.queue import QueueOptions, queue_run
    from intents.repositories import repository_resolve
    from intents.services import intent_create
    from intents.validation import ValidationOptions, intent_validate
    from ledger.selectors import event_feed

    call_command("flush", interactive=False, verbosity=0)
    cache.clear()
    name = f"{'batched' if window is None else 'single'}-{time.monotonic_ns()}"
    home = workdir / name / "home"
    home.mkdir(parents=True)
    batch = {"size": 1, "min_size": 1, "max_size": 1} if window == 1 else {}
    policy = {
        "checks": {"lint": ["python3", "check.py", str(check_seconds)]},
        "queue": {"batch": batch},
    }
    (home / "policy.json").write_text(json.dumps(policy))
    settings.CONVERGE_HOME = home
    repo = workdir / name / "repo"
    repo.mkdir(parents=True)
    git(repo, "init", "-q", "-b", "main")
    _commit(repo, "main", {"check.py": CHECK_SCRIPT, "README.md": "bench\n"})
    repository = repository_resolve(repo)
    for index in range(intents):
        files = {f"src/m{index:03d}.txt": f"{index}\n"}
        if index in failing:
            files[f"BROKEN-{index:03d}"] = "x\n"
        git(repo, "checkout", "-q", "-b", f"feature/i{index:03d}", "main")
        _commit(repo, f"feature/i{index:03d}", files)
        intent_create(
            data={"id": f"i{index:03d}", "source": f"feature/i{index:03d}"},
            repository=repository,
            actor="bench",
        )
        decision = intent_validate(
            intent_id=f"i{index:03d}", options=ValidationOptions(skip_checks=True)
        )
        assert decision["decision"] == "validated", decision
    git(repo, "checkout", "-q", "main")  # the queue keeps the target's checkout current
    options = QueueOptions(targets=["main"], auto_confirm=True, limit=intents)
    started = time.monotonic()
    waiting = intents
    while waiting:
        queue_run(repository=repository, options=options)
        left = Intent.objects.filter(status__in=QUEUEABLE).count()
        if left == waiting:
            break
        waiting = left
    seconds = time.monotonic() - started
    merged = set(Intent.objects.filter(status="MERGED").values_list("id", flat=True))
    expected_bad = {f"i{index:03d}" for index in failing}
    green = (
        event_feed(event_type="queue.batch_tested", payload={"outcome": "passed"})
        .values_list("payload", flat=True)
        .first()
    )
    tree = git(repo, "rev-parse", "main^{tree}")
    return {
        "check_runs": CheckRun.objects.count(),
        "seconds": round(seconds, 1),
        "merged": len(merged),
        "blocked_are_the_failing": not (merged & expected_bad)
        and len(merged) == intents - len(failing),
        "main_is_last_green_tree": green is not None and green["tree_sha"] == tree,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--intents", type=int, default=50)
    parser.add_argument("--check-seconds", type=float, default=2.0)
    parser.add_argument("--rates", default="0,0.02,0.10")
    parser.add_argument("--placements", type=int, default=10)
    parser.add_argument(
        "--baseline-placements",
        type=int,
        default=None,
        help="placements also drained one at a time (default: all of them)",
    )
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="converge-queue-bench-"))
    os.environ.update(
        {
            "CONVERGE_HOME": str(workdir / "home"),
            "CONVERGE_DB_BACKEND": "sqlite",
            "CONVERGE_DB_PATH": str(workdir / "queue.db"),
            "DJANGO_SETTINGS_MODULE": "converge_site.settings",
            "CONVERGE_LOG_LEVEL": "WARNING",
            "CONVERGE_FF_INTAKE_CONTROL": "0",  # a burst of creations would be throttled
        }
    )
    import django

    django.setup()
    from interfaces.dbready import ensure_database_ready

    ensure_database_ready()
    rng = random.Random(args.seed)
    baseline_placements = args.baseline_placements or args.placements
    report: list[dict[str, Any]] = []
    for rate in (float(part) for part in args.rates.split(",")):
        count = round(rate * args.intents)
        batched, single = [], []
        for placement in range(args.placements):
            failing = set(rng.sample(range(args.intents), count))
            batched.append(drain(workdir, args.intents, failing, args.check_seconds, None))
            if placement < baseline_placements:
                single.append(drain(workdir, args.intents, failing, args.check_seconds, 1))
            print(f"rate {rate:.0%} placement {placement + 1}: {batched[-1]}", flush=True)
        row = {
            "rate": rate,
            "failing": count,
            "placements": args.placements,
            "baseline_placements": len(single),
            "batched_check_runs": round(fmean(r["check_runs"] for r in batched), 1),
            "single_check_runs": round(fmean(r["check_runs"] for r in single), 1),
            "batched_seconds": round(fmean(r["seconds"] for r in batched), 1),
            "single_seconds": round(fmean(r["seconds"] for r in single), 1),
            "all_correct": all(
                r["blocked_are_the_failing"] and r["main_is_last_green_tree"]
                for r in batched + single
            ),
        }
        row["check_run_ratio"] = round(row["batched_check_runs"] / row["single_check_runs"], 3)
        row["time_ratio"] = round(row["batched_seconds"] / row["single_seconds"], 3)
        report.append(row)
    print(f"\nQueue batching ({args.intents} intents, {args.check_seconds:g} s check, {workdir})\n")
    print("rate   failing  check runs batched/single (ratio)   wall s batched/single (ratio)")
    for row in report:
        print(
            f"{row['rate']:>5.0%}  {row['failing']:>7}  "
            f"{row['batched_check_runs']:>8} / {row['single_check_runs']:<6} "
            f"({row['check_run_ratio']:.2f})          "
            f"{row['batched_seconds']:>6} / {row['single_seconds']:<6} ({row['time_ratio']:.2f})"
            f"{'' if row['all_correct'] else '  INCORRECT'}"
        )
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
