"""``converge serve`` for real: gunicorn workers on a loopback port, over HTTP."""

import json
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from conftest import database_env, git_branches

pytestmark = [pytest.mark.process, pytest.mark.slow]

ROOT = Path(__file__).resolve().parent.parent
KEY = "serve-test-operator-key"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def call(method, url, body=None, key=None):
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method)
    request.add_header("Content-Type", "application/json")
    if key:
        request.add_header("X-API-Key", key)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


@pytest.mark.django_db(transaction=True)
def test_serve_answers_probes_refuses_strangers_and_creates_intents(tmp_path, git_repo):
    git_branches(git_repo, "feature/x")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        **database_env(tmp_path),
        "CONVERGE_API_KEYS": f"{KEY}:operator:alice:team-a",
        "CONVERGE_REPO_PATH": str(git_repo),
    }
    log = (tmp_path / "serve.log").open("w")
    server = subprocess.Popen(
        [sys.executable, "-m", "converge.cli", "serve", "--port", str(port), "--workers", "2"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=log,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if call("GET", f"{base}/health/live")[0] == 200:
                    break
            except OSError:
                pass
            assert server.poll() is None, (tmp_path / "serve.log").read_text()
            assert time.monotonic() < deadline, "converge serve did not start"
            time.sleep(0.2)

        status, headers, body = call("GET", f"{base}/health/ready")
        assert status == 200 and json.loads(body)["status"] == "ok"
        assert headers["X-Frame-Options"] == "DENY" and headers["Server"].startswith("gunicorn")

        status, headers, body = call("GET", f"{base}/v1/intents")
        assert status == 401 and headers["WWW-Authenticate"] == "ApiKey"
        assert json.loads(body)["error"]["code"] == "http_401"

        status, _, body = call("POST", f"{base}/v1/intents", {"source": "feature/x"}, KEY)
        assert status == 200, body
        intent_id = json.loads(body)["intent_id"]
        status, _, body = call("GET", f"{base}/api/intents/{intent_id}", key=KEY)
        assert status == 200 and json.loads(body)["created_by"] == "alice"

        status, _, body = call("GET", f"{base}/metrics")
        assert status == 200
        assert b'converge_http_requests_total{method="POST",path="/v1/intents",status="200"}' in (
            body
        )
        status, _, body = call("GET", f"{base}/static/admin/css/base.css")
        assert status == 200
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        finally:
            server.kill()
            log.close()
    banner = json.loads(server.stdout.read())
    assert banner["admin"] == f"{base}/admin/"
    assert "createsuperuser" in banner["admin_login"]
    assert banner["api_keys"] == {"configured": 1, "inserted": 1, "existing": 0}
