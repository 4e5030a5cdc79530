"""Real repositories for the security tests: a branch per change, and intents on them."""

from __future__ import annotations

import http.server
import json
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from conftest import git

LEAK = (
    "import subprocess\n"
    'AWS_ACCESS_KEY_ID = "AKIAIOSFODNN7EXAMPLE"\n'
    "\n"
    "\n"
    "def run(cmd):\n"
    "    return subprocess.call(cmd, shell=True)\n"
)
SAFE = (
    "import os\n"
    "import subprocess\n"
    "\n"
    'AWS_ACCESS_KEY_ID = os.environ.get("AWS_ACCESS_KEY_ID", "")\n'
    "\n"
    "\n"
    "def run(args):\n"
    "    return subprocess.call(args)  # nosec B603\n"
)
SECRET = "AKIAIOSFODNN7EXAMPLE"


def commit_branch(repo: Path, branch: str, files: Mapping[str, str], base: str = "main") -> str:
    """Commit ``files`` on ``branch`` (created from ``base`` when new); back on ``main``."""
    existing = git(repo, "branch", "--list", branch)
    git(repo, "checkout", "-q", branch if existing else "-b", *([] if existing else [branch, base]))
    for path, text in files.items():
        target = repo / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
        git(repo, "add", path)
    git(repo, "commit", "-q", "-m", f"change {branch}")
    sha = git(repo, "rev-parse", "HEAD")
    git(repo, "checkout", "-q", "main")
    return sha


@contextmanager
def osv_server(answer: Mapping[str, Any] | None, status: int = 200) -> Iterator[str]:
    """A local OSV query service on 127.0.0.1 that answers every query with ``answer`` (or an
    empty body with ``status``); yields its query URL."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            body = json.dumps(answer).encode() if answer is not None else b""
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/v1/query"
    finally:
        server.shutdown()
        server.server_close()
