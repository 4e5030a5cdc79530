"""`make run`: a five-minute tour of Converge on a demo repository.

Builds a small git repository under $CONVERGE_HOME/demo-repo, creates intents the way a
team would (a clean change, a pair that will conflict, a plan of dependent changes) and shows
what Converge records about them, ending with the audit chain verified.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

HOME = Path(os.environ.get("CONVERGE_HOME", ".converge")).absolute()
REPO = HOME / "demo-repo"
DB = HOME / "demo.db"
CONVERGE = [sys.executable, "-m", "converge.cli", "--db", str(DB), "--repo", str(REPO)]
GIT_ENV = {
    **os.environ,
    "GIT_AUTHOR_NAME": "Demo",
    "GIT_AUTHOR_EMAIL": "demo@example.com",
    "GIT_COMMITTER_NAME": "Demo",
    "GIT_COMMITTER_EMAIL": "demo@example.com",
}


def git(*args: str) -> None:
    subprocess.run(["git", *args], cwd=REPO, env=GIT_ENV, check=True, capture_output=True)


def commit_file(branch: str | None, path: str, text: str, message: str) -> None:
    """Commit one file on ``branch`` (``None``: the branch checked out)."""
    if branch is not None:
        git("checkout", "-q", branch)
    target = REPO / path
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text)
    git("add", path)
    git("commit", "-q", "-m", message)


def build_repository() -> None:
    if REPO.exists():
        shutil.rmtree(REPO)
    REPO.mkdir(parents=True)
    git("init", "-q", "-b", "main")
    commit_file(None, "app/config.py", "TIMEOUT = 30\nRETRIES = 3\n", "initial config")
    commit_file(None, "app/api.py", "def handler():\n    return 'ok'\n", "initial api")
    for branch in (
        "feature/docs",
        "feature/timeout-a",
        "feature/timeout-b",
        "feature/timeout-c",
        "plan/schema",
        "plan/backend",
        "plan/frontend",
    ):
        git("branch", branch, "main")
    commit_file("feature/docs", "docs/usage.md", "# Usage\n", "document usage")
    commit_file("feature/timeout-a", "app/config.py", "TIMEOUT = 60\nRETRIES = 3\n", "longer")
    commit_file("feature/timeout-b", "app/config.py", "TIMEOUT = 10\nRETRIES = 3\n", "shorter")
    commit_file("feature/timeout-c", "app/config.py", "TIMEOUT = 90\nRETRIES = 3\n", "longest")
    commit_file("plan/schema", "app/schema.sql", "create table t (id int);\n", "schema")
    commit_file("plan/backend", "app/backend.py", "def load():\n    pass\n", "backend")
    commit_file("plan/frontend", "web/index.html", "<h1>t</h1>\n", "frontend")
    git("checkout", "-q", "main")


def converge(*args: str) -> Any:
    done = subprocess.run([*CONVERGE, *args], capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"converge {' '.join(args)} failed:\n{done.stderr}")
    return json.loads(done.stdout)


def say(text: str) -> None:
    print(f"\n== {text}")


def show_decision(intent_id: str, decision: dict) -> None:
    if decision["decision"] == "validated":
        risk = decision["risk"]
        print(
            f"  {intent_id:<10} validated  risk {risk['risk_score']:>5} "
            f"({decision['risk_level']}), {len(decision['simulation']['files_changed'])} "
            f"file(s)"
        )
    else:
        print(f"  {intent_id:<10} blocked    {decision['reason']}")


def main() -> None:
    if DB.exists():
        DB.unlink()
    build_repository()
    say(f"A demo repository with six branches at {REPO}")

    say("1. Intents: a clean change, two changes to the same line, a plan of three")
    converge(
        "intent",
        "create",
        "--from-branch",
        "feature/docs",
        "--intent-id",
        "docs",
        "--problem",
        "Usage is undocumented",
        "--objective",
        "Add a usage page",
    )
    converge(
        "intent",
        "create",
        "--from-branch",
        "feature/timeout-a",
        "--intent-id",
        "timeout-a",
        "--priority",
        "2",
    )
    converge(
        "intent",
        "create",
        "--from-branch",
        "feature/timeout-b",
        "--intent-id",
        "timeout-b",
        "--priority",
        "2",
    )
    converge(
        "intent",
        "create",
        "--from-branch",
        "plan/frontend",
        "--intent-id",
        "frontend",
        "--plan-id",
        "orders",
        "--dependencies",
        "backend",
        "--priority",
        "1",
    )
    converge(
        "intent",
        "create",
        "--from-branch",
        "plan/backend",
        "--intent-id",
        "backend",
        "--plan-id",
        "orders",
        "--dependencies",
        "schema",
    )
    converge(
        "intent",
        "create",
        "--from-branch",
        "plan/schema",
        "--intent-id",
        "schema",
        "--plan-id",
        "orders",
        "--priority",
        "4",
    )
    for row in converge("intent", "list"):
        deps = f"  (after {', '.join(row['dependencies'])})" if row["dependencies"] else ""
        print(
            f"  {row['id']:<10} priority {row['priority']}  {row['source']} -> "
            f"{row['target']}{deps}"
        )
    done = subprocess.run(
        [*CONVERGE, "intent", "update", "--intent-id", "schema", "--dependencies", "frontend"],
        capture_output=True,
        text=True,
    )
    print(f"  a cycle is refused: {done.stderr.strip().removeprefix('error: ')}")

    say("2. Validation: simulate the merge, score the risk, run checks, apply the gates")
    for intent_id in ("docs", "timeout-a", "timeout-b", "schema", "backend", "frontend"):
        show_decision(intent_id, converge("validate", "--intent-id", intent_id))
    print("  (no check commands are configured yet: each decision carries that warning;")
    print('   add a "checks" map to policy.json to run lint and tests in the merged tree)')

    say("3. The queue: the whole batch is chained in memory first, then merged in order")
    outcome = converge("queue", "run", "--auto-confirm")
    for row in outcome["results"]:
        if row["decision"] == "merged":
            print(f"  {row['intent_id']:<10} merged     {row['merged_commit'][:12]}")
        else:
            print(f"  {row['intent_id']:<10} {row['decision']:<10} {row.get('reason', '')}")
    print("  the plan merged schema -> backend -> frontend although frontend has priority 1;")
    print("  timeout-b stays VALIDATED with no retry charged: it waits for its author")

    say("4. timeout-b's author rebases on the new main and settles the timeout; one more run")
    git("checkout", "-q", "feature/timeout-b")
    git("reset", "-q", "--hard", "main")
    commit_file(None, "app/config.py", "TIMEOUT = 45\nRETRIES = 3\n", "meet in the middle")
    git("checkout", "-q", "main")
    show_decision("timeout-b", converge("validate", "--intent-id", "timeout-b"))
    for row in converge("queue", "run", "--auto-confirm")["results"]:
        print(f"  {row['intent_id']:<10} {row['decision']:<10} {row.get('merged_commit', '')[:12]}")

    say("5. main now holds the merges; the checkout is clean")
    log = subprocess.run(
        ["git", "log", "--oneline", "--merges", "main"], cwd=REPO, capture_output=True, text=True
    ).stdout
    for line in log.splitlines():
        print(f"  {line}")
    status = subprocess.run(
        ["git", "status", "--porcelain"], cwd=REPO, capture_output=True, text=True
    ).stdout
    print(f"  git status: {'clean' if not status.strip() else status}")

    say("6. A late change to the same line waits: the console shows why")
    converge("intent", "create", "--from-branch", "feature/timeout-c", "--intent-id", "timeout-c")
    show_decision("timeout-c", converge("validate", "--intent-id", "timeout-c"))
    print("  timeout-c stays READY until its author rebases; the operator console explains it")

    say("7. Every decision is an event in a hash-chained log")
    verified = converge("audit", "verify-chain")
    print(
        f"  audit chain: {'intact' if verified['valid'] else 'BROKEN'} "
        f"({verified['event_count']} events)"
    )

    cli = f".venv/bin/converge --db {DB} --repo {REPO}"
    print(f"""
== Try next
  {cli} audit events --intent-id timeout-b
  {cli} verification debt
  {cli} queue inspect
  {cli} risk review --intent-id docs
  {cli} doctor
  {cli} --help-all
""")


if __name__ == "__main__":
    main()
