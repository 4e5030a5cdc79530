"""The batched queue tried as a new user would, through the ``converge`` command only.

A repository whose ``policy.json`` runs a real test command (``python3 check.py``, about
``--check-seconds`` 2 s; it fails on a tree holding a ``BROKEN`` file) gets ``--intents`` 40
intents, ``--broken`` 2 of which break the tests. Each is created with ``converge intent
create`` and validated with ``converge validate --skip-checks`` (the queue runs the checks on
the merged trees). ``converge queue run --auto-confirm --limit 100`` then drains the queue in a
background process while ``converge queue position`` is asked for the last intent every
``--poll`` seconds. Reported: merges, blocks and their reasons, check runs (from ``queue
analytics``) against one-at-a-time (one run per intent), whether ``main``'s final tree is the
last green tested tree, and the positions and ETAs seen while it ran.

    .venv/bin/python bench/queue_scenario.py [--intents 40] [--broken 2] [--check-seconds 2]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CHECK_SCRIPT = """\
import pathlib, sys, time
time.sleep(float(sys.argv[1]))
broken = sorted(str(p) for p in pathlib.Path(".").rglob("BROKEN*"))
if broken:
    print("FAIL: the tree holds", ", ".join(broken))
    sys.exit(1)
print("ok")
"""


def git(repo: Path, *args: str) -> str:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "Dev",
        "GIT_AUTHOR_EMAIL": "dev@example.com",
        "GIT_COMMITTER_NAME": "Dev",
        "GIT_COMMITTER_EMAIL": "dev@example.com",
    }
    done = subprocess.run(["git", *args], cwd=repo, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def converge(env: dict[str, str], *args: str) -> Any:
    command = [sys.executable, "-c", "import sys; from converge.cli import main; sys.exit(main())"]
    done = subprocess.run([*command, *args], env=env, capture_output=True, text=True)
    if done.returncode not in (0, 1):
        raise SystemExit(f"converge {' '.join(args)} failed: {done.stderr or done.stdout}")
    return json.loads(done.stdout) if done.stdout.strip() else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--intents", type=int, default=40)
    parser.add_argument("--broken", type=int, default=2)
    parser.add_argument("--check-seconds", type=float, default=2.0)
    parser.add_argument("--poll", type=float, default=3.0)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="converge-queue-scenario-"))
    repo, home = workdir / "repo", workdir / "home"
    home.mkdir()
    (home / "policy.json").write_text(
        json.dumps({"checks": {"lint": ["python3", "check.py", str(args.check_seconds)]}})
    )
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "CONVERGE_HOME": str(home),
        "CONVERGE_DB_BACKEND": "sqlite",
        "CONVERGE_DB_PATH": str(workdir / "state.db"),
        "CONVERGE_REPO_PATH": str(repo),
        "CONVERGE_LOG_LEVEL": "WARNING",
        "CONVERGE_FF_INTAKE_CONTROL": "0",
    }
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    (repo / "check.py").write_text(CHECK_SCRIPT)
    git(repo, "add", "check.py")
    git(repo, "commit", "-q", "-m", "tests")
    broken = set(random.Random(args.seed).sample(range(args.intents), args.broken))
    ids = [f"feat-{index:02d}" for index in range(args.intents)]
    for index, intent_id in enumerate(ids):
        git(repo, "checkout", "-q", "-b", f"feature/{intent_id}", "main")
        (repo / f"{intent_id}.txt").write_text(f"{index}\n")
        git(repo, "add", f"{intent_id}.txt")
        if index in broken:
            (repo / f"BROKEN-{intent_id}").write_text("x\n")
            git(repo, "add", f"BROKEN-{intent_id}")
        git(repo, "commit", "-q", "-m", intent_id)
    git(repo, "checkout", "-q", "main")
    started = time.monotonic()
    for intent_id in ids:
        converge(
            env,
            "intent",
            "create",
            "--from-branch",
            f"feature/{intent_id}",
            "--intent-id",
            intent_id,
        )
        converge(env, "validate", "--intent-id", intent_id, "--skip-checks")
    print(f"created and validated {len(ids)} intents in {time.monotonic() - started:.0f} s")

    command = [sys.executable, "-c", "import sys; from converge.cli import main; sys.exit(main())"]
    started = time.monotonic()
    runner = subprocess.Popen(
        [*command, "queue", "run", "--auto-confirm", "--limit", "100"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    seen = []
    while runner.poll() is None:
        time.sleep(args.poll)
        place = converge(env, "queue", "position", "--intent-id", ids[-1])
        seen.append(
            {
                "after_seconds": round(time.monotonic() - started, 1),
                **{k: place.get(k) for k in ("in_queue", "position", "of", "eta_seconds")},
            }
        )
        print("queue position", ids[-1], seen[-1], flush=True)
    outcome = json.loads(runner.communicate()[0])
    drained = time.monotonic() - started
    decisions: dict[str, list[str]] = {}
    for row in outcome["results"]:
        decisions.setdefault(row["decision"], []).append(row["intent_id"])
    analytics = converge(env, "queue", "analytics", "--since", "1h")["targets"]["main"]
    tested = converge(env, "audit", "events", "--type", "queue.batch_tested", "--limit", "500")
    green = next(event["payload"] for event in tested if event["payload"]["outcome"] == "passed")
    tree = git(repo, "rev-parse", "main^{tree}")
    blocked = [row for row in outcome["results"] if row["decision"] == "blocked"]
    report = {
        "intents": args.intents,
        "broken": sorted(ids[index] for index in broken),
        "merged": len(decisions.get("merged", [])),
        "blocked": sorted(row["intent_id"] for row in blocked),
        "blocked_reasons": [row["reason"].splitlines()[:2] for row in blocked],
        "check_runs": analytics["check_runs"],
        "one_at_a_time_check_runs": args.intents,
        "tree_tests": analytics["tree_tests"],
        "batches": analytics["batches"],
        "bisections": analytics["bisections"],
        "drain_seconds": round(drained, 1),
        "main_tree_is_last_green_tested_tree": green["tree_sha"] == tree,
        "positions_seen": seen,
    }
    print(json.dumps(report, indent=2))
    ok = (
        report["merged"] == args.intents - args.broken
        and report["blocked"] == report["broken"]
        and report["check_runs"] * 2 <= args.intents
        and report["main_tree_is_last_green_tested_tree"]
        and any(row["eta_seconds"] for row in seen)
    )
    print("scenario", "PASSED" if ok else "FAILED", workdir)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
