"""A real worker meets an intent whose validation raises: it merges the other one, records
the failure once, keeps running cycle after cycle and stops cleanly."""

from __future__ import annotations

import json
import subprocess
import sys
import time

import pytest

from conftest import database_env, git
from intents.tests.worker_helpers import Db, Process, converge, running, wait_until, worker_env

# Bad data written with the ORM, as a row from before input validation looks.
CORRUPT_SCRIPT = """
import sys
import django
django.setup()
from intents.models import Intent
assert Intent.objects.filter(pk=sys.argv[1]).update(technical={"scope_hint": 5}) == 1
"""


def _create(env: dict[str, str], repo, intent_id: str, priority: int) -> None:
    git(repo, "checkout", "-q", "-b", f"feature/{intent_id}", "main")
    (repo / "docs").mkdir(exist_ok=True)
    (repo / "docs" / f"{intent_id}.md").write_text(f"{intent_id}\n")
    git(repo, "add", "docs")
    git(repo, "commit", "-q", "-m", f"add {intent_id}")
    git(repo, "checkout", "-q", "main")
    created = converge(
        env,
        "--repo",
        str(repo),
        "intent",
        "create",
        "--from-branch",
        f"feature/{intent_id}",
        "--intent-id",
        intent_id,
        "--priority",
        str(priority),
    )
    assert created.returncode == 0, created.stderr


@pytest.mark.django_db(transaction=True)
def test_a_worker_sets_aside_an_intent_that_raises_and_goes_on(tmp_path, git_repo):
    env = database_env(tmp_path)
    _create(env, git_repo, "bad", 1)
    _create(env, git_repo, "good", 2)
    corrupted = subprocess.run(
        [sys.executable, "-c", CORRUPT_SCRIPT, "bad"],
        env={**env, "DJANGO_SETTINGS_MODULE": "converge_site.settings"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert corrupted.returncode == 0, corrupted.stderr
    db = Db(env)

    worker = Process(worker_env(env), ["worker", "--concurrency", "1"], tmp_path, "worker")
    with running([worker]):
        merged = wait_until(lambda: db.statuses().get("good") == "MERGED", timeout=90)
        assert merged, (db.statuses(), worker.log_tail())
        time.sleep(5)  # several more poll cycles with the bad intent still there
        assert worker.popen.poll() is None, worker.log_tail()
        failed = db.events("intent.processing_failed")
        status = converge(env, "--repo", str(git_repo), "intent", "status", "--intent-id", "bad")
        assert worker.terminate() == 0, worker.log_tail()

    assert failed == [
        (
            "bad",
            {
                "stage": "validate",
                "error_class": "TypeError",
                "message": "'int' object is not iterable",
            },
        )
    ]
    assert db.statuses() == {"bad": "READY", "good": "MERGED"}
    shown = json.loads(status.stdout)["processing_failure"]
    assert shown["set_aside"] is True and shown["failures"] == 1
    assert "TypeError" in worker.stderr_path.read_text()  # logged with its traceback
