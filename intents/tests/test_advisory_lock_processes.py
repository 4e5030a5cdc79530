"""Two processes contend for one queue lock under ``advisory_locks`` enforce (PostgreSQL):
exactly one holds it, the operator's tools name it without being able to release it, and
once the holder dies the other takes it."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from typing import Any

import pytest
from django.conf import settings

from conftest import database_env
from intents.advisory import advisory_holders
from intents.repositories import repository_resolve
from intents.tests.worker_helpers import converge, wait_until

pytestmark = pytest.mark.skipif(
    settings.DB_BACKEND != "postgres", reason="advisory locks exist on PostgreSQL only"
)

# Takes the lock of (repository, main) for argv[2] on each "try" read from stdin and answers
# with a JSON line; never releases it: only its exit ends its session, and so the lock.
CONTENDER_SCRIPT = """
import json, sys
import django
django.setup()
from intents.locks import lock_acquire
from intents.models import Repository
repository = Repository.objects.get(path=sys.argv[1])
for line in sys.stdin:
    lock = lock_acquire(repository, "main", holder=sys.argv[2], ttl=300)
    answer = {"held": lock is not None, "kind": lock and lock.kind, "pid": lock and lock.pid}
    print(json.dumps(answer), flush=True)
"""


class Contender:
    def __init__(self, env: dict[str, str], repository_path: str, holder: str) -> None:
        self.holder = holder
        self.popen = subprocess.Popen(
            [sys.executable, "-c", CONTENDER_SCRIPT, repository_path, holder],
            env={**env, "DJANGO_SETTINGS_MODULE": "converge_site.settings"},
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )

    def ask(self) -> None:
        assert self.popen.stdin is not None
        self.popen.stdin.write("try\n")
        self.popen.stdin.flush()

    def answer(self) -> dict[str, Any]:
        assert self.popen.stdout is not None
        line = self.popen.stdout.readline()
        assert line, self.popen.stderr.read() if self.popen.stderr else ""
        return json.loads(line)

    def kill(self) -> None:
        if self.popen.poll() is None:
            os.killpg(self.popen.pid, signal.SIGKILL)
        self.popen.wait(30)


@pytest.mark.django_db(transaction=True)
def test_one_of_two_processes_holds_the_lock_and_the_other_takes_it_when_it_dies(
    tmp_path, git_repo
):
    repository = repository_resolve(git_repo)
    name = f"{repository.name}:main"
    env = {
        **database_env(tmp_path),
        "CONVERGE_FF_ADVISORY_LOCKS": "1",
        "CONVERGE_FF_ADVISORY_LOCKS_MODE": "enforce",
    }
    contenders = [Contender(env, repository.path, f"contender-{n}:1:x{n}") for n in (1, 2)]
    try:
        for contender in contenders:  # both asked before either answers
            contender.ask()
        answers = [contender.answer() for contender in contenders]
        assert sorted(answer["held"] for answer in answers) == [False, True], answers
        winner, loser = contenders if answers[0]["held"] else contenders[::-1]
        pid = next(answer["pid"] for answer in answers if answer["held"])
        assert next(a for a in answers if a["held"])["kind"] == "advisory"

        found = advisory_holders([name])[name]
        assert (found.holder, found.pid) == (winner.holder, pid)

        run = converge(env, "--repo", str(git_repo), "queue", "run", "--wait", "0")
        assert run.returncode == 1
        assert f"held by {winner.holder} (PostgreSQL backend {pid}" in run.stderr

        inspect = json.loads(converge(env, "--repo", str(git_repo), "queue", "inspect").stdout)
        assert [(lock["holder"], lock["pid"]) for lock in inspect["advisory_locks"]] == [
            (winner.holder, pid)
        ]
        reset = converge(env, "--repo", str(git_repo), "queue", "reset", "--clear-lock")
        assert reset.returncode == 0, reset.stderr
        [kept] = json.loads(reset.stdout)["advisory_locks_not_released"]
        assert (kept["name"], kept["pid"]) == (name, pid)
        assert f"not released: advisory lock {name}" in reset.stderr
        assert f"backend {pid} ({winner.holder})" in reset.stderr

        loser.ask()
        assert loser.answer()["held"] is False  # the reset released nothing

        winner.kill()  # no release: the session ends with the process
        deadline = time.monotonic() + 30
        while True:
            loser.ask()
            if loser.answer()["held"] or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        assert advisory_holders([name])[name].holder == loser.holder
    finally:
        for contender in contenders:
            contender.kill()
    # Ending a session is asynchronous on the server side: give it a moment.
    assert wait_until(lambda: advisory_holders([name]) == {}, timeout=10)
