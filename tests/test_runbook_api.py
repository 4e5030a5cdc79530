"""The runbook's API lines, as written, against ``converge serve`` with
``CONVERGE_AUTH_REQUIRED=0`` (compose's local setting, decisions §25). A flag toggled through
the API is seen by a second process on the same database."""

import json
import shlex
import signal
import subprocess
import sys
import time

import pytest

from conftest import database_env
from tests.test_serve import ROOT, call, free_port

# Phase 9 (`| jq .` only pretty-prints, so it is left off) and the incident table.
LIST_FLAGS = "curl -s http://localhost:9876/api/flags"
TOGGLE = (
    "curl -X POST http://localhost:9876/api/flags/security_adapters "
    '-H "Content-Type: application/json" '
    "-d '{\"enabled\": false}'"
)
DISABLE = (
    "curl -X POST http://localhost:9876/api/flags/<flag_name> "
    '-H "Content-Type: application/json" '
    "-d '{\"enabled\": false}'"
)
# Phases 5, 6 and 8 list their endpoints as `METHOD /api/...`.
ENDPOINTS = [
    "GET /api/verification/debt",
    "GET /api/verification/debt?tenant_id=X",
    "GET /api/reviews",
    "GET /api/reviews/summary",
    "GET /api/intake/status",
]


def curl(line, port, **fills):
    for name, value in fills.items():
        line = line.replace(f"<{name}>", value)
    done = subprocess.run(
        shlex.split(line.replace(":9876", f":{port}")),
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def converge(env, *args):
    done = subprocess.run(
        [sys.executable, "-m", "converge.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.fixture
def server(tmp_path, git_repo):
    port = free_port()
    env = {
        **database_env(tmp_path),
        "CONVERGE_AUTH_REQUIRED": "0",
        "CONVERGE_REPO_PATH": str(git_repo),
    }
    log = (tmp_path / "serve.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "converge.cli", "serve", "--port", str(port), "--workers", "1"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=log,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if call("GET", f"http://127.0.0.1:{port}/health/live")[0] == 200:
                    break
            except OSError:
                pass
            assert process.poll() is None, (tmp_path / "serve.log").read_text()
            assert time.monotonic() < deadline, "converge serve did not start"
            time.sleep(0.2)
        yield port, env
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        finally:
            process.kill()
            log.close()


@pytest.mark.django_db(transaction=True)
def test_the_runbook_api_lines_work_without_a_key(server):
    port, env = server

    toggled = curl(TOGGLE, port)
    assert (toggled["name"], toggled["enabled"], toggled["source"]) == (
        "security_adapters",
        False,
        "api",
    )
    flags = {flag["name"]: flag for flag in curl(LIST_FLAGS, port)["flags"]}
    assert (flags["security_adapters"]["enabled"], flags["security_adapters"]["source"]) == (
        False,
        "api",
    )

    for line in ENDPOINTS:
        method, path = line.split()
        status, _, body = call(method, f"http://127.0.0.1:{port}{path}")
        assert status == 200, (line, body)
    debt = curl("curl -s 'http://localhost:9876/api/verification/debt?tenant_id=X'", port)
    assert debt["tenant_id"] == "X"
    assert curl("curl -s http://localhost:9876/api/reviews", port) == {"reviews": [], "total": 0}

    status, _, body = call("POST", f"http://127.0.0.1:{port}/api/intake/mode", {"mode": "pause"})
    assert status == 200 and json.loads(body) == {"ok": True, "mode": "pause", "tenant_id": None}
    assert converge(env, "intake", "status")["mode"] == "pause"


@pytest.mark.django_db(transaction=True)
def test_intake_control_switched_off_through_the_api_reaches_another_process(server):
    port, env = server
    assert converge(env, "flags", "list")  # the other process, before the toggle

    state = curl(DISABLE, port, flag_name="intake_control")
    assert (state["enabled"], state["source"]) == (False, "api")

    listed = {flag["name"]: flag for flag in converge(env, "flags", "list")["flags"]}
    assert (listed["intake_control"]["enabled"], listed["intake_control"]["source"]) == (
        False,
        "api",
    )
