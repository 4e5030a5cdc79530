"""Benchmark Converge against the git floor (``make bench``; not part of the tests).

For each N (default 50, 200, 500) it builds a synthetic repository of 1,000 modules in 25
packages with N branches (clean 2–5-file changes, conflicting pairs, changes that conflict
with main, wide cross-package changes) and measures, in-process through the services on a
fresh SQLite database:

- create: ``intent_create`` for every branch;
- validate: the validation pipeline with checks skipped (after the pre-scans the worker's
  security queue makes of new intents, untimed, so the gate reuses them), and the same as a
  dry run (no event writes) to show what the event log costs;
- queue: one ``queue run --auto-confirm`` over every validated intent;
- git floor: one ``merge-tree --write-tree`` and one ``diff --name-only`` per branch, the
  least work any merge queue must do.

- the git merge floor: ``merge-tree --write-tree``, ``commit-tree`` and ``update-ref`` per clean
  branch on a bare copy, the least work a queue does per merged intent;
- the CLI, one process per call, on the smallest N's repository: start-up against a bare
  ``django.setup()`` (``bench.startup``), then ``intent create``, ``validate --skip-checks``,
  ``intent list --limit 20`` and ``intent status`` per call; ``--cmd "other-cli"`` runs the same
  calls with another CLI (same arguments, its own database) beside Converge's.

- the HTTP API (``bench.api_bench``): ``converge serve`` under gunicorn, req/s and p50/p99 of
  ``/v1/intents`` and ``/v1/summary`` at 1, 8 and 16 clients against the reference's req/s;
- scale (``bench.scale``): the read paths, ``audit verify-chain``, ``audit prune`` and the
  console's changelists at 1k / 10k / 100k intents, each size against the smallest.

Everything is printed as one table: each figure, its floor and the ratio, then the same as JSON.
Every ratio comes from one run, floor and figure measured side by side. ``--skip api,scale``
leaves phases out; ``--scale-events-per-intent 100`` makes the scale phase's largest size the
10-million-event log.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

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


def git_merge_floor(path: Path, branches: list[str], workdir: Path) -> float:
    """Seconds to merge ``branches`` one after another with git alone, on a bare copy."""
    bare = workdir / f"{path.name}-floor.git"
    subprocess.run(["git", "clone", "-q", "--bare", str(path), str(bare)], check=True)
    env = {**os.environ, "GIT_AUTHOR_NAME": "b", "GIT_AUTHOR_EMAIL": "b@b"}
    env |= {"GIT_COMMITTER_NAME": "b", "GIT_COMMITTER_EMAIL": "b@b"}

    def git(*args: str) -> str:
        done = subprocess.run(["git", *args], cwd=bare, env=env, capture_output=True, text=True)
        return done.stdout.strip() if done.returncode == 0 else ""

    started = time.perf_counter()
    for branch in branches:
        tree = git("merge-tree", "--write-tree", "main", branch)
        if tree:
            commit = git("commit-tree", tree, "-p", "main", "-p", branch, "-m", f"Merge {branch}")
            git("update-ref", "refs/heads/main", commit)
    return time.perf_counter() - started


class QueryCounter:
    """Counts the statements a connection runs (``connection.execute_wrapper``), with no cap."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute, sql, params, many, context):  # noqa: ANN001, ANN204
        self.count += 1
        return execute(sql, params, many, context)


def measure(n: int, workdir: Path) -> dict[str, Any]:
    from django.core.management import call_command
    from django.db import connection

    from converge_core.security import ScanTrigger
    from converge_core.synthetic import build_synthetic_repo
    from intents.models import Intent
    from intents.queue import QueueOptions, queue_run
    from intents.repositories import repository_resolve
    from intents.services import intent_create
    from intents.validation import ValidationOptions, intent_validate
    from ledger.selectors import event_count
    from security.services import security_scan

    call_command("flush", interactive=False, verbosity=0)
    built = build_synthetic_repo(workdir / f"repo-{n}", branches=spec_for(n))
    branches = list(built.branches)
    floor = git_floor(built.path, branches)
    merge_floor = git_merge_floor(built.path, list(built.clean), workdir)
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
    # The worker's security queue pre-scans new intents before they are validated; the
    # benchmark does the same, untimed, so validation reuses the scans as it does in service.
    for intent_id in ids:
        security_scan(intent_id=intent_id, trigger=ScanTrigger.PRESCAN)
    started = time.perf_counter()
    for intent_id in ids:
        intent_validate(
            intent_id=intent_id, options=ValidationOptions(skip_checks=True, dry_run=True)
        )
    dry = time.perf_counter() - started

    events_before = event_count()
    started = time.perf_counter()
    queries = QueryCounter()
    with connection.execute_wrapper(queries):
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
    first_id = ids[0]
    connection.close()
    return {
        "n": n,
        "validated": validated,
        "merged": merged,
        "events_per_validation": round(events / n, 1),
        "queries_per_validation": round(queries.count / n, 1),
        "floor_s": floor,
        "merge_floor_s": merge_floor,
        "clean": len(built.clean),
        "repo": str(built.path),
        "first_id": first_id,
        "create_s": create,
        "validate_s": validate,
        "validate_dry_s": dry,
        "queue_s": queue,
    }


def cli_calls(cli: list[str], label: str, repo: Path, workdir: Path, count: int) -> dict:
    """Per-call medians of one CLI on ``repo`` (``intent create``, ``validate --skip-checks``),
    each call next to a bare ``django.setup()`` so both see the same load."""
    from bench.startup import BARE_SETUP, children_cpu

    env = {**os.environ, "CONVERGE_HOME": str(workdir / f"home-{label}")}
    env["CONVERGE_DB_PATH"] = str(workdir / f"cli-{label}.db")
    env["CONVERGE_REPO_PATH"] = str(repo)
    subprocess.run([*cli, "migrate"], env=env, cwd=repo, capture_output=True)
    branches = subprocess.run(
        ["git", "for-each-ref", "--format=%(refname:short)", "refs/heads/clean"],
        cwd=repo,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()[:count]
    timings: dict[str, list[float]] = {}

    def timed(phase: str, argv: list[str]) -> None:
        cpu = children_cpu()
        started = time.perf_counter()
        done = subprocess.run(argv, env=env, cwd=repo, capture_output=True)
        timings.setdefault(phase, []).append(time.perf_counter() - started)
        timings.setdefault(f"{phase} cpu", []).append(children_cpu() - cpu)
        if done.returncode != 0:
            raise RuntimeError(f"{label} {phase} failed: {done.stderr.decode()[-2000:]}")

    for phase, make in (
        ("create", lambda b: ["intent", "create", "--from-branch", b, "--intent-id", _id(b)]),
        ("validate", lambda b: ["validate", "--intent-id", _id(b), "--skip-checks"]),
    ):
        for branch in branches:
            timed("bare", [sys.executable, "-c", BARE_SETUP])
            timed(phase, [*cli, *make(branch)])
    return {phase: statistics.median(values) for phase, values in timings.items()}


def _id(branch: str) -> str:
    return "cli-" + branch.replace("/", "-")


def table(rows: list[tuple[str, str, float | None, str, float | None]]) -> str:
    """(figure, unit, value, floor name, floor value) rows as one aligned table."""
    lines = [f"{'figure':<44} {'value':>10}  {'floor':<34} {'floor value':>11} {'ratio':>7}"]
    for name, unit, value, floor_name, floor in rows:
        shown = "" if value is None else f"{value:.1f} {unit}"
        floor_shown = "" if floor is None else f"{floor:.1f} {unit}"
        ratio = f"×{value / floor:.2f}" if value is not None and floor else ""
        lines.append(f"{name:<44} {shown:>10}  {floor_name:<34} {floor_shown:>11} {ratio:>7}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="50,200,500")
    parser.add_argument("--cmd", help="another CLI to run the CLI phases with, beside Converge")
    parser.add_argument("--cli-calls", type=int, default=10, help="intents created per CLI")
    parser.add_argument("--skip", default="", help="phases to leave out: api, scale")
    parser.add_argument("--api-clients", default="1,8,16")
    parser.add_argument("--api-seconds", type=float, default=10.0, help="per endpoint and load")
    parser.add_argument("--scale-sizes", default="1000,10000,100000")
    parser.add_argument("--scale-events-per-intent", type=int, default=10)
    args = parser.parse_args()
    skipped = {phase.strip() for phase in args.skip.split(",") if phase.strip()}
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
    from bench.startup import converge_argv, interleaved, startup_commands
    from interfaces.dbready import ensure_database_ready

    ensure_database_ready()
    runs = [measure(n, workdir) for n in sizes]
    ms = 1000.0
    rows: list[tuple[str, str, float | None, str, float | None]] = []
    for run in runs:
        n = run["n"]
        floor, merge_floor = run["floor_s"] / n * ms, run["merge_floor_s"] / run["clean"] * ms
        rows += [
            (f"N={n} create per intent", "ms", run["create_s"] / n * ms, "", None),
            (
                f"N={n} validate per intent",
                "ms",
                run["validate_s"] / n * ms,
                "git merge-tree + diff",
                floor,
            ),
            (
                f"N={n} validate dry run per intent",
                "ms",
                run["validate_dry_s"] / n * ms,
                "git merge-tree + diff",
                floor,
            ),
            (
                f"N={n} queue per merged intent ({run['merged']}/{n})",
                "ms",
                run["queue_s"] / max(1, run["merged"]) * ms,
                "merge-tree + commit-tree + update-ref",
                merge_floor,
            ),
            (f"N={n} events per validation", "", run["events_per_validation"], "", None),
            (f"N={n} queries per validation", "", run["queries_per_validation"], "", None),
        ]

    repo = Path(runs[0]["repo"])
    startup_env = {**os.environ, "CONVERGE_REPO_PATH": str(repo)}
    clis = {"converge": converge_argv(None)} | (
        {"other": converge_argv(args.cmd)} if args.cmd else {}
    )
    any_intent = runs[0]["first_id"]
    startup: dict[str, dict[str, float]] = {}
    for label, cli in clis.items():
        timed = interleaved(
            startup_commands(" ".join(cli) if label == "other" else None, any_intent),
            startup_env,
            cwd=repo,
        )
        startup[label] = (
            {row.label: row.median_s for row in timed}
            | {f"{row.label} cpu": row.cpu_s for row in timed}
            | {f"{row.label} modules": row.modules for row in timed}
        )
    calls = {
        label: cli_calls(cli, label, repo, workdir, args.cli_calls) for label, cli in clis.items()
    }
    for label in clis:
        bare = startup[label]["bare django.setup()"] * ms
        bare_cpu = startup[label]["bare django.setup() cpu"] * ms
        rows.append((f"[{label}] bare django.setup() wall", "ms", bare, "", None))
        rows.append((f"[{label}] bare django.setup() cpu", "ms", bare_cpu, "", None))
        for name in ("converge --help", "intent status", "intent list --limit 20"):
            for kind, value, floor in (
                ("wall", startup[label][name], bare),
                ("cpu", startup[label][f"{name} cpu"], bare_cpu),
            ):
                rows.append(
                    (f"[{label}] {name} start-up {kind}", "ms", value * ms, "bare setup", floor)
                )
        for name in ("create", "validate"):
            for kind in ("", " cpu"):
                rows.append(
                    (
                        f"[{label}] CLI {name} per call{kind or ' wall'}",
                        "ms",
                        calls[label][name + kind] * ms,
                        "bare setup (same rounds)",
                        calls[label]["bare" + kind] * ms,
                    )
                )
    if args.cmd:
        for name in ("create", "validate", "create cpu", "validate cpu"):
            value, other = calls["converge"][name], calls["other"][name]
            rows.append(
                (f"CLI {name}: converge vs other", "ms", value * ms, "other CLI", other * ms)
            )

    if "api" not in skipped:
        from bench.api_bench import api_rows

        rows += api_rows(
            clients=tuple(int(count) for count in args.api_clients.split(",")),
            seconds=args.api_seconds,
        )
    if "scale" not in skipped:
        from bench.scale import scale_rows

        rows += scale_rows(
            sizes=tuple(int(size) for size in args.scale_sizes.split(",")),
            events_per_intent=args.scale_events_per_intent,
        )

    print(f"\nConverge benchmark ({workdir})\n")
    print(table(rows))
    print(json.dumps({"runs": runs, "startup": startup, "cli": calls}))


if __name__ == "__main__":
    main()
