"""Real worker processes for tests: start, watch through the database, stop or kill.

Workers run as ``converge worker`` subprocesses in their own process group (as in a container,
where a kill takes every process with it). The test watches their effects in the shared
database: through the test connection on PostgreSQL, through the SQLite file otherwise.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection

REDIS_URL = "redis://127.0.0.1:6379/11"
FINAL = ("MERGED", "REJECTED")
# Events that explain why an intent did not merge.
EXPLAINED_BY = ("intent.blocked", "intent.rejected", "intent.merge_failed", "intent.requeued")

SEED_SCRIPT = """
import json, sys
import django
django.setup()
from interfaces.dbready import ensure_database_ready
ensure_database_ready()
from intents.repositories import repository_resolve
from intents.services import intent_create
from intents.validation import intent_validate
spec = json.loads(sys.argv[1])
repository = repository_resolve(spec["repo"])
for item in spec["intents"]:
    intent_create(data=item, repository=repository, actor="seed")
    decision = intent_validate(intent_id=item["id"])
    assert decision["decision"] == "validated", decision
"""


def converge(env: dict[str, str], *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "converge.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def seed_validated(env: dict[str, str], repo: Path, intents: list[dict[str, Any]]) -> None:
    """Create and validate ``intents`` in one process (many CLI calls would take minutes)."""
    done = subprocess.run(
        [sys.executable, "-c", SEED_SCRIPT, json.dumps({"repo": str(repo), "intents": intents})],
        env={**env, "DJANGO_SETTINGS_MODULE": "converge_site.settings"},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]


def wait_until(predicate: Callable[[], Any], *, timeout: float, interval: float = 0.2) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value or time.monotonic() >= deadline:
            return value
        time.sleep(interval)


class Process:
    """A long-running ``converge`` command with its output in files."""

    def __init__(self, env: dict[str, str], args: list[str], logs: Path, name: str) -> None:
        self.name = name
        self.stdout_path = logs / f"{name}.out"
        self.stderr_path = logs / f"{name}.err"
        with self.stdout_path.open("w") as out, self.stderr_path.open("w") as err:
            self.popen = subprocess.Popen(
                [sys.executable, "-m", "converge.cli", *args],
                env=env,
                stdout=out,
                stderr=err,
                start_new_session=True,
            )

    @property
    def pid(self) -> int:
        return self.popen.pid

    def terminate(self, timeout: float = 60) -> int:
        """SIGTERM to the main process only, as Kubernetes and Docker send it."""
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGTERM)
        return self.popen.wait(timeout)

    def kill_group(self) -> None:
        """SIGKILL to every process of the group: the container dies."""
        with suppress(ProcessLookupError):
            os.killpg(self.popen.pid, signal.SIGKILL)
        self.popen.wait(30)

    def log_tail(self) -> str:
        return self.stderr_path.read_text()[-4000:]


@contextmanager
def running(processes: list[Process]) -> Iterator[list[Process]]:
    """Whatever happens in the test, no process outlives it."""
    try:
        yield processes
    finally:
        for process in processes:
            if process.popen.poll() is None:
                process.kill_group()


def worker_env(env: dict[str, str], **extra: str) -> dict[str, str]:
    return {
        **env,
        "CONVERGE_WORKER_POLL_INTERVAL": "1",
        "CONVERGE_WORKER_AUTO_CONFIRM": "1",
        "CONVERGE_LOG_LEVEL": "INFO",
        **extra,
    }


class Db:
    """Reads of the database the subprocesses share (never writes)."""

    def __init__(self, env: dict[str, str]) -> None:
        self.sqlite_path = None if settings.DB_BACKEND == "postgres" else env["CONVERGE_DB_PATH"]

    def rows(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        if self.sqlite_path is None:
            with connection.cursor() as cursor:
                cursor.execute(sql, params)
                return list(cursor.fetchall())
        if not Path(self.sqlite_path).exists():
            return []
        db = sqlite3.connect(self.sqlite_path, timeout=30)
        try:
            return db.execute(sql.replace("%s", "?"), params).fetchall()
        except sqlite3.OperationalError:  # not migrated yet
            return []
        finally:
            db.close()

    def statuses(self) -> dict[str, str]:
        return dict(self.rows("SELECT id, status FROM intents_intent"))

    def claimed(self) -> dict[str, str]:
        rows = self.rows("SELECT id, claimed_by FROM intents_intent WHERE claimed_by IS NOT NULL")
        return dict(rows)

    def locks(self) -> dict[str, str]:
        return dict(self.rows("SELECT name, holder FROM intents_queuelock"))

    def events(self, event_type: str) -> list[tuple[str | None, dict[str, Any]]]:
        rows = self.rows(
            "SELECT intent_id, payload FROM intents_event WHERE event_type = %s ORDER BY seq",
            event_type,
        )
        return [
            (intent_id, payload if isinstance(payload, dict) else json.loads(payload))
            for intent_id, payload in rows
        ]
