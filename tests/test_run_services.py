"""`scripts/run-services` (the end of `make run`) for real: a killed worker is restarted while the
API keeps answering, and SIGTERM leaves no process behind.

The services run on an SQLite file whatever the suite's backend, so the test runs in the
SQLite pass of ``make test`` only.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings

from conftest import database_env
from intents.tests.worker_helpers import wait_until
from tests.test_serve import free_port

ROOT = Path(__file__).resolve().parent.parent
WORKER = " worker"  # converge ... worker
API = "converge_site.serve"  # gunicorn's master: converge serve execs it

pytestmark = [
    pytest.mark.slow,
    pytest.mark.process,
    pytest.mark.skipif(
        settings.DB_BACKEND != "sqlite", reason="the services use SQLite: runs in the SQLite pass"
    ),
]


def stat(pid: int) -> tuple[str, int] | None:
    """(state, parent pid) of a process, or None once it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return None
    return fields[0], int(fields[1])


def alive(pid: int) -> bool:
    found = stat(pid)
    return found is not None and found[0] not in ("Z", "X")


def descendants(root: int) -> set[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (found := stat(int(entry.name))) and alive(int(entry.name)):
            children.setdefault(found[1], []).append(int(entry.name))
    found_pids: set[int] = set()
    todo = [root]
    while todo:
        for child in children.get(todo.pop(), []):
            found_pids.add(child)
            todo.append(child)
    return found_pids


def command_line(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except FileNotFoundError:
        return ""


def service_pid(supervisor: int, marker: str) -> int | None:
    """The direct child of the supervisor whose command line holds ``marker``."""
    for pid in descendants(supervisor):
        if (found := stat(pid)) and found[1] == supervisor and marker in command_line(pid):
            return pid
    return None


def live(base: str) -> bool:
    try:
        with urllib.request.urlopen(f"{base}/health/live", timeout=5) as response:
            return response.status == 200
    except OSError:
        return False


def start_supervisor(tmp_path: Path, git_repo: Path, port: int) -> subprocess.Popen[bytes]:
    env = {**database_env(tmp_path), "CONVERGE_WORKER_POLL_INTERVAL": "1"}
    with (tmp_path / "run-services.log").open("wb") as output:
        return subprocess.Popen(
            [sys.executable, str(ROOT / "scripts" / "run-services")]
            + ["--db", env["CONVERGE_DB_PATH"], "--repo", str(git_repo), "--port", str(port)],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def started_services(supervisor: subprocess.Popen[bytes], base: str, log: Path) -> tuple[int, int]:
    """(api, worker) pids once the API answers and the worker's pool and beat are up."""
    assert wait_until(lambda: live(base), timeout=90, interval=0.5), log.read_text()
    worker = wait_until(lambda: service_pid(supervisor.pid, WORKER), timeout=60)
    api = service_pid(supervisor.pid, API)
    assert worker and api, log.read_text()
    assert wait_until(lambda: len(descendants(worker)) >= 3, timeout=60), log.read_text()
    return api, worker


def test_a_killed_worker_is_restarted_and_sigterm_stops_every_process(tmp_path, git_repo):
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = tmp_path / "run-services.log"
    supervisor = start_supervisor(tmp_path, git_repo, port)
    try:
        api, worker = started_services(supervisor, base, log)
        first_worker_tree = {worker, *descendants(worker)}

        os.kill(worker, signal.SIGKILL)

        restarted = wait_until(
            lambda: (pid := service_pid(supervisor.pid, WORKER)) != worker and pid,
            timeout=30,
        )
        assert restarted, log.read_text()
        assert wait_until(lambda: not any(map(alive, first_worker_tree)), timeout=10)
        assert live(base) and service_pid(supervisor.pid, API) == api
        assert wait_until(lambda: len(descendants(restarted)) >= 3, timeout=60), log.read_text()
        assert "worker stopped on its own (exit -9): restarting in 1 s" in log.read_text()
        everything = descendants(supervisor.pid)
        assert {api, restarted} <= everything and len(everything) >= 6  # gunicorn's workers too

        supervisor.send_signal(signal.SIGTERM)
        assert supervisor.wait(90) == 0, log.read_text()
        assert [pid for pid in everything if alive(pid)] == []
    finally:
        if supervisor.poll() is None:
            os.killpg(supervisor.pid, signal.SIGKILL)
            supervisor.wait()


def test_ctrl_c_to_the_supervisor_alone_stops_every_process(tmp_path, git_repo):
    port = free_port()
    log = tmp_path / "run-services.log"
    supervisor = start_supervisor(tmp_path, git_repo, port)
    try:
        started_services(supervisor, f"http://127.0.0.1:{port}", log)
        everything = descendants(supervisor.pid)

        supervisor.send_signal(signal.SIGINT)  # not to its group: the services have their own

        assert supervisor.wait(90) == 0, log.read_text()
        assert [pid for pid in everything if alive(pid)] == []
    finally:
        if supervisor.poll() is None:
            os.killpg(supervisor.pid, signal.SIGKILL)
            supervisor.wait()
