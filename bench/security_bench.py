"""Security scan time per scanner: an intent changing 5 files, and a full scan of a 1,000-file
tree.

A synthetic repository (``converge_core.synthetic``: 25 packages × 40 modules = 1,000 Python
files, plus a pinned ``requirements.txt`` on ``main``) gets one branch that changes five files
(four modules — one with an AWS-style key, one with ``shell=True`` — and the requirements
file). Measured, in-process through the services on a fresh SQLite database, ``--runs`` times
each (the median is reported, with min and max):

- intent: ``security scan --intent-id`` of that branch (the 5 changed files of its merged
  tree), each scanner's own time and the whole scan (materialising the files from git and
  recording the findings included);
- full: ``security scan`` of the target head (all 1,001 files);
- gate: a validation that reuses the scan (what the queue pays once a scan exists).

pip-audit asks a local OSV stand-in (an HTTP server on 127.0.0.1 answering "no known
vulnerability"), so its time is the tool's own, without the internet; with
``--osv-unreachable`` it asks a closed port instead and reports ``unavailable``.

    .venv/bin/python bench/security_bench.py [--runs 3]
"""

from __future__ import annotations

import argparse
import http.server
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

REQUIREMENTS = "requests==2.31.0\nurllib3==2.0.7\nidna==3.4\ncertifi==2023.7.22\n"
LEAK = 'AWS_ACCESS_KEY_ID = "AKIAIOSFODNN7EXAMPLE"\n'
SHELL = "import subprocess\n\n\ndef run(cmd):\n    return subprocess.call(cmd, shell=True)\n"


class _NoVulns(http.server.BaseHTTPRequestHandler):
    def do_POST(self) -> None:  # noqa: N802
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        body = b"{}"
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


def _git(path: Path, *args: str) -> str:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "Bench",
        "GIT_AUTHOR_EMAIL": "bench@converge.invalid",
        "GIT_COMMITTER_NAME": "Bench",
        "GIT_COMMITTER_EMAIL": "bench@converge.invalid",
    }
    return subprocess.run(
        ["git", *args], cwd=path, env=env, check=True, capture_output=True, text=True
    ).stdout.strip()


def build(workdir: Path) -> tuple[Path, list[str]]:
    from converge_core.synthetic import BranchSpec, build_synthetic_repo, module_path

    repo = workdir / "repo"
    build_synthetic_repo(
        repo, branches=BranchSpec(clean=0, conflicting_pairs=0, conflicts_with_main=0, wide=0)
    )
    _git(repo, "checkout", "-q", "main")
    (repo / "requirements.txt").write_text(REQUIREMENTS)
    _git(repo, "add", "requirements.txt")
    _git(repo, "commit", "-q", "-m", "requirements")
    _git(repo, "checkout", "-q", "-b", "feature/five")
    changed = [module_path(3, n) for n in range(4)]
    for n, path in enumerate(changed):
        extra = LEAK if n == 0 else SHELL if n == 1 else f"VALUE_{n} = {n}\n"
        with open(repo / path, "a") as handle:
            handle.write("\n" + extra)
    with open(repo / "requirements.txt", "a") as handle:
        handle.write("charset-normalizer==3.3.2\n")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", "five files")
    _git(repo, "checkout", "-q", "main")
    return repo, [*changed, "requirements.txt"]


def _summary(values: list[float]) -> dict[str, float]:
    return {
        "median": round(statistics.median(values), 3),
        "min": round(min(values), 3),
        "max": round(max(values), 3),
    }


def measure(runs: int, scan: Any) -> dict[str, Any]:
    per_scanner: dict[str, list[float]] = {}
    statuses: dict[str, str] = {}
    totals, walls = [], []
    files = findings = 0
    for _ in range(runs):
        started = time.perf_counter()
        result = scan()
        walls.append(time.perf_counter() - started)
        totals.append(result.duration_ms / 1000)
        files, findings = result.files_scanned, result.total_findings
        for entry in result.scanners:
            per_scanner.setdefault(entry["scanner"], []).append(entry["duration_ms"] / 1000)
            statuses[entry["scanner"]] = entry["status"]
    return {
        "files_scanned": files,
        "findings": findings,
        "seconds_per_scanner": {name: _summary(values) for name, values in per_scanner.items()},
        "scanner_status": statuses,
        "seconds_scanners_total": _summary(totals),
        "seconds_wall": _summary(walls),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--osv-unreachable", action="store_true")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="converge-security-bench-"))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _NoVulns)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = 9 if args.osv_unreachable else server.server_address[1]
    repo, changed = build(workdir)
    os.environ.update(
        {
            "CONVERGE_HOME": str(workdir / "home"),
            "CONVERGE_DB_BACKEND": "sqlite",
            "CONVERGE_DB_PATH": str(workdir / "bench.db"),
            "CONVERGE_REPO_PATH": str(repo),
            "DJANGO_SETTINGS_MODULE": "converge_site.settings",
            "CONVERGE_LOG_LEVEL": "WARNING",
            "CONVERGE_SECURITY_PIP_AUDIT_SERVICE": "osv",
            "CONVERGE_SECURITY_OSV_URL": f"http://127.0.0.1:{port}/v1/query",
        }
    )
    import django

    django.setup()
    from interfaces.dbready import ensure_database_ready

    ensure_database_ready()
    from intents.repositories import repository_resolve
    from intents.services import intent_create
    from intents.validation import ValidationOptions, intent_validate
    from security.services import security_scan

    repository = repository_resolve(repo)
    intent_create(
        data={"id": "five-files", "source": "feature/five"}, repository=repository, actor="bench"
    )
    intent = measure(args.runs, lambda: security_scan(intent_id="five-files", actor="bench")[0])
    full = measure(args.runs, lambda: security_scan(actor="bench")[0])
    gate = []
    for _ in range(args.runs):
        started = time.perf_counter()
        intent_validate(intent_id="five-files", options=ValidationOptions(skip_checks=True))
        gate.append(time.perf_counter() - started)
    tree_files = int(_git(repo, "ls-tree", "-r", "--name-only", "main").count("\n")) + 1
    print(
        json.dumps(
            {
                "runs": args.runs,
                "osv": "closed port" if args.osv_unreachable else "local stand-in",
                "intent_changed_files": changed,
                "intent_scan": intent,
                "full_scan_tree_files": tree_files,
                "full_scan": full,
                "validation_reusing_the_scan_seconds": _summary(gate),
            },
            indent=2,
        )
    )
    server.shutdown()


if __name__ == "__main__":
    main()
