"""Benchmark Converge against the git floor (``make bench``; not part of the tests).

For each N (default 50, 200, 500) it builds a synthetic repository of 1,000 modules in 25
packages with N branches (clean 2–5-file changes, conflicting pairs, changes that conflict
with main, wide cross-package changes) and measures, in-process through the services on a
fresh SQLite database:

- create: ``intent_create`` for every branch;
- validate: the validation pipeline with checks skipped, and the same as a dry run (no event
  writes) to show what the event log costs;
- queue: one ``queue run --auto-confirm`` over every validated intent;
- git floor: one ``merge-tree --write-tree`` and one ``diff --name-only`` per branch, the
  least work any merge queue must do.

CLI start-up (``converge --help`` and a database command) is reported separately.
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

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def spec_for(n: int):  # noqa: ANN201 - imported lazily after Django is configured
    from converge_core.synthetic import BranchSpec

    pairs = max(1, n // 20)
    behind = max(1, n // 100)
    wide = max(1, n // 50)
    return BranchSpec(
        clean=n - 2 * pairs - behind - wide,
        conflicting_pairs=pairs,
        conflicts_with_main=behind,
        wide=wide,
    )


def git_floor(path: Path, branches: list[str]) -> float:
    started = time.perf_counter()
    for branch in branches:
        subprocess.run(
            ["git", "merge-tree", "--write-tree", "main", branch], cwd=path, capture_output=True
        )
        subprocess.run(
            ["git", "diff", "--name-only", f"main...{branch}"],
            cwd=path,
            capture_output=True,
            check=True,
        )
    return time.perf_counter() - started


def measure(n: int, workdir: Path) -> dict[str, float]:
    from django.core.management import call_command
    from django.db import connection

    from converge_core.synthetic import build_synthetic_repo
    from intents.models import Intent
    from intents.queue import QueueOptions, queue_run
    from intents.repositories import repository_resolve
    from intents.services import intent_create
    from intents.validation import ValidationOptions, intent_validate
    from ledger.selectors import event_count

    call_command("flush", interactive=False, verbosity=0)
    built = build_synthetic_repo(workdir / f"repo-{n}", branches=spec_for(n))
    branches = list(built.branches)
    floor = git_floor(built.path, branches)
    repository = repository_resolve(built.path)

    started = time.perf_counter()
    for branch in branches:
        intent_create(
            data={"id": branch.replace("/", "-"), "source": branch},
            repository=repository,
            actor="bench",
        )
    create = time.perf_counter() - started

    ids = [branch.replace("/", "-") for branch in branches]
    started = time.perf_counter()
    for intent_id in ids:
        intent_validate(
            intent_id=intent_id, options=ValidationOptions(skip_checks=True, dry_run=True)
        )
    dry = time.perf_counter() - started

    events_before = event_count()
    started = time.perf_counter()
    for intent_id in ids:
        intent_validate(intent_id=intent_id, options=ValidationOptions(skip_checks=True))
    validate = time.perf_counter() - started
    events = event_count() - events_before

    validated = Intent.objects.filter(status="VALIDATED").count()
    started = time.perf_counter()
    outcome = queue_run(
        repository=repository,
        options=QueueOptions(
            limit=n, targets=["main"], auto_confirm=True, skip_checks=True, wait=0
        ),
    )
    queue = time.perf_counter() - started
    merged = sum(1 for row in outcome["results"] if row["decision"] == "merged")
    connection.close()
    return {
        "n": n,
        "validated": validated,
        "merged": merged,
        "events_per_validation": round(events / n, 1),
        "floor_s": floor,
        "create_s": create,
        "validate_s": validate,
        "validate_dry_s": dry,
        "queue_s": queue,
    }


def cli_startup(env: dict[str, str]) -> dict[str, float]:
    def timed(*args: str, runs: int = 5) -> float:
        best = []
        for _ in range(runs):
            started = time.perf_counter()
            subprocess.run(
                [sys.executable, "-m", "converge.cli", *args],
                env=env,
                capture_output=True,
                cwd=ROOT,
            )
            best.append(time.perf_counter() - started)
        return sorted(best)[len(best) // 2]

    return {"help_s": timed("--help"), "flags_list_s": timed("flags", "list")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="50,200,500")
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",")]

    workdir = Path(tempfile.mkdtemp(prefix="converge-bench-"))
    os.environ.update(
        {
            "CONVERGE_HOME": str(workdir / "home"),
            "CONVERGE_DB_BACKEND": "sqlite",
            "CONVERGE_DB_PATH": str(workdir / "bench.db"),
            "DJANGO_SETTINGS_MODULE": "converge_site.settings",
            "CONVERGE_LOG_LEVEL": "WARNING",
        }
    )
    import django

    django.setup()
    from interfaces.dbready import ensure_database_ready

    ensure_database_ready()
    rows = [measure(n, workdir) for n in sizes]
    startup = cli_startup(dict(os.environ))

    print(f"\nConverge benchmark ({workdir})\n")
    print(
        f"{'N':>5} {'create/s':>9} {'validate/s':>11} {'dry/s':>8} {'queue/s':>8} "
        f"{'floor/s':>8} {'validate÷floor':>15} {'dry÷floor':>10} {'merged':>7}"
    )
    for row in rows:
        n = row["n"]
        per = {key: row[key] / n for key in ("floor_s", "validate_s", "validate_dry_s")}
        print(
            f"{n:>5} {n / row['create_s']:>9.0f} {n / row['validate_s']:>11.1f} "
            f"{n / row['validate_dry_s']:>8.1f} {row['merged'] / row['queue_s']:>8.1f} "
            f"{n / row['floor_s']:>8.1f} {per['validate_s'] / per['floor_s']:>15.2f} "
            f"{per['validate_dry_s'] / per['floor_s']:>10.2f} {row['merged']:>4}/{n}"
        )
    base = rows[0]
    print("\nGrowth of the time per intent relative to the smallest N:")
    for row in rows[1:]:
        growth = {
            phase: (row[f"{phase}_s"] / row["n"]) / (base[f"{phase}_s"] / base["n"])
            for phase in ("create", "validate", "queue")
        }
        print(f"  N={row['n']}: " + ", ".join(f"{k} ×{v:.2f}" for k, v in growth.items()))
    print(
        f"\nCLI start-up: converge --help {startup['help_s'] * 1000:.0f} ms, "
        f"converge flags list {startup['flags_list_s'] * 1000:.0f} ms"
    )
    print(json.dumps({"runs": rows, "cli": startup}))


if __name__ == "__main__":
    main()
