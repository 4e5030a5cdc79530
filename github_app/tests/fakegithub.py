"""A real HTTP server on 127.0.0.1 standing in for GitHub's REST API, backed by real bare
repositories: it grants installation tokens, keeps check-runs and statuses, answers branch and
pull-request reads from the bare repository and merges pull requests in it. Every request is
recorded so a test can assert what Converge sent."""

from __future__ import annotations

import json
import re
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any


@dataclass
class Request:
    method: str
    path: str
    headers: dict[str, str]
    body: Any


@dataclass
class FakeGithub:
    remotes: dict[str, Path] = field(default_factory=dict)  # full name -> bare repository
    pulls: dict[tuple[str, int], dict[str, Any]] = field(default_factory=dict)
    rules: dict[tuple[str, str], list[dict[str, Any]]] = field(default_factory=dict)
    faults: list[tuple[str, str, int]] = field(default_factory=list)  # method, path regex, status
    requests: list[Request] = field(default_factory=list)
    check_runs: dict[int, dict[str, Any]] = field(default_factory=dict)
    statuses: list[dict[str, Any]] = field(default_factory=list)
    url: str = ""
    tokens_granted: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def sent(self, method: str, pattern: str) -> list[Request]:
        return [r for r in self.requests if r.method == method and re.fullmatch(pattern, r.path)]

    def runs_on(self, head_sha: str) -> list[dict[str, Any]]:
        return [run for run in self.check_runs.values() if run["head_sha"] == head_sha]

    # -- what GitHub answers ------------------------------------------------------------------

    def answer(self, method: str, path: str, body: Any) -> tuple[int, Any]:
        for index, (fault_method, pattern, status) in enumerate(self.faults):
            if fault_method == method and re.fullmatch(pattern, path):
                del self.faults[index]
                return status, {"message": f"injected {status}"}
        if m := re.fullmatch(r"/app/installations/(\d+)/access_tokens", path):
            self.tokens_granted += 1
            expires = datetime.now(UTC) + timedelta(hours=1)
            token = f"ghs_installation{m.group(1)}_{self.tokens_granted}"
            return 201, {"token": token, "expires_at": expires.strftime("%Y-%m-%dT%H:%M:%SZ")}
        if m := re.fullmatch(r"/repos/([^/]+/[^/]+)/check-runs", path):
            run_id = len(self.check_runs) + 1
            run = {"id": run_id, "repo": m.group(1), "annotations": [], **body}
            run["annotations"] = list((body.get("output") or {}).get("annotations") or [])
            self.check_runs[run_id] = run
            return 201, self._run_json(run)
        if m := re.fullmatch(r"/repos/([^/]+/[^/]+)/check-runs/(\d+)", path):
            run = self.check_runs.get(int(m.group(2)))
            if run is None:
                return 404, {"message": "Not Found"}
            if method == "PATCH":
                annotations = (body.get("output") or {}).get("annotations") or []
                run["annotations"] += annotations
                run.update({key: value for key, value in body.items()})
                run["updates"] = run.get("updates", 0) + 1
            return 200, self._run_json(run)
        if m := re.fullmatch(r"/repos/([^/]+/[^/]+)/statuses/([0-9a-f]{40})", path):
            self.statuses.append({"repo": m.group(1), "sha": m.group(2), **body})
            return 201, {"id": len(self.statuses), "state": body.get("state")}
        if m := re.fullmatch(r"/repos/([^/]+/[^/]+)/rules/branches/(.+)", path):
            return 200, self.rules.get((m.group(1), m.group(2)), [])
        if m := re.fullmatch(r"/repos/([^/]+/[^/]+)/branches/(.+)", path):
            sha = self._rev(m.group(1), f"refs/heads/{m.group(2)}")
            return 200, {"name": m.group(2), "commit": {"sha": sha, "url": ""}, "protected": True}
        if m := re.fullmatch(r"/repos/([^/]+/[^/]+)/pulls/(\d+)/merge", path):
            return self._merge(m.group(1), int(m.group(2)), body)
        if m := re.fullmatch(r"/repos/([^/]+/[^/]+)/pulls/(\d+)", path):
            pull = self.pulls[(m.group(1), int(m.group(2)))]
            head_sha = self._rev(m.group(1), f"refs/heads/{pull['head']}")
            return 200, {
                "number": int(m.group(2)),
                "url": f"{self.url}/repos/{m.group(1)}/pulls/{m.group(2)}",
                "head": {"ref": pull["head"], "sha": head_sha},
                "base": {"ref": pull["base"], "sha": self._rev(m.group(1), pull["base"])},
                "merged": pull.get("merged", False),
                "merge_commit_sha": pull.get("merge_commit_sha"),
                "state": "closed" if pull.get("merged") else "open",
            }
        return 404, {"message": "Not Found"}

    def _run_json(self, run: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": run["id"],
            "url": f"{self.url}/repos/{run['repo']}/check-runs/{run['id']}",
            "head_sha": run["head_sha"],
            "name": run["name"],
            "status": run.get("status"),
            "conclusion": run.get("conclusion"),
        }

    def _git(self, full_name: str, *args: str) -> str:
        done = subprocess.run(
            ["git", *args],
            cwd=self.remotes[full_name],
            capture_output=True,
            text=True,
            check=True,
            env={
                "GIT_AUTHOR_NAME": "GitHub",
                "GIT_AUTHOR_EMAIL": "noreply@github.com",
                "GIT_COMMITTER_NAME": "GitHub",
                "GIT_COMMITTER_EMAIL": "noreply@github.com",
                "PATH": "/usr/bin:/bin:/usr/local/bin",
            },
        )
        return done.stdout.strip()

    def _rev(self, full_name: str, ref: str) -> str:
        return self._git(full_name, "rev-parse", ref)

    def _merge(self, full_name: str, number: int, body: dict[str, Any]) -> tuple[int, Any]:
        pull = self.pulls[(full_name, number)]
        head = self._rev(full_name, f"refs/heads/{pull['head']}")
        if body.get("sha") and body["sha"] != head:
            return 409, {"message": "Head branch was modified. Review and try the merge again."}
        base = self._rev(full_name, f"refs/heads/{pull['base']}")
        tree = self._git(full_name, "merge-tree", "--write-tree", base, head).splitlines()[0]
        merged = self._git(
            full_name, "commit-tree", tree, "-p", base, "-p", head, "-m", f"Merge #{number}"
        )
        self._git(full_name, "update-ref", f"refs/heads/{pull['base']}", merged, base)
        pull["merged"] = True
        pull["merge_commit_sha"] = merged
        return 200, {"sha": merged, "merged": True, "message": "Pull Request successfully merged"}


@contextmanager
def fake_github() -> Iterator[FakeGithub]:
    fake = FakeGithub()

    class Handler(BaseHTTPRequestHandler):
        def _handle(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            body = json.loads(raw) if raw else {}
            path = self.path.split("?", 1)[0]
            headers = {name.lower(): value for name, value in self.headers.items()}
            with fake.lock:
                fake.requests.append(Request(self.command, path, headers, body))
                status, reply = fake.answer(self.command, path, body)
            data = json.dumps(reply).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_PATCH = do_PUT = _handle  # noqa: N815 - the http.server API

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
