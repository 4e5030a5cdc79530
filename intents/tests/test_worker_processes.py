"""Real `converge worker` processes: the queue processes itself, and SIGTERM drains cleanly."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import database_env, git
from intents.tests.worker_helpers import (
    Db,
    Process,
    converge,
    running,
    wait_until,
    worker_env,
)

pytestmark = [pytest.mark.process, pytest.mark.slow]


def _branch(repo: Path, name: str, path: str) -> None:
    git(repo, "checkout", "-q", "-b", name, "main")
    (repo / path).parent.mkdir(parents=True, exist_ok=True)
    (repo / path).write_text(f"{name}\n")
    git(repo, "add", path)
    git(repo, "commit", "-q", "-m", f"add {path}")
    git(repo, "checkout", "-q", "main")


def _merged_by_a_worker_with_no_further_command(tmp_path: Path, repo: Path, env: dict) -> None:
    _branch(repo, "feature/docs", "docs/usage.md")
    _branch(repo, "feature/notes", "docs/notes.md")
    for intent_id, branch in (("docs", "feature/docs"), ("notes", "feature/notes")):
        created = converge(
            env,
            "--repo",
            str(repo),
            "intent",
            "create",
            "--from-branch",
            branch,
            "--intent-id",
            intent_id,
        )
        assert created.returncode == 0, created.stderr
    validated = converge(env, "--repo", str(repo), "validate", "--intent-id", "docs")
    assert json.loads(validated.stdout)["decision"] == "validated"
    db = Db(env)

    worker = Process(worker_env(env), ["worker"], tmp_path, "worker")
    with running([worker]):
        # "notes" is only created: the worker's first validation brings it to the queue too.
        merged = wait_until(
            lambda: db.statuses() == {"docs": "MERGED", "notes": "MERGED"}, timeout=90
        )
        assert merged, (db.statuses(), worker.log_tail())
        assert worker.terminate() == 0, worker.log_tail()

    subjects = git(repo, "log", "--merges", "--format=%s", "main").splitlines()
    assert sorted(subjects) == [
        "converge: merge feature/docs into main",
        "converge: merge feature/notes into main",
    ]
    lifecycle = db.rows(
        "SELECT event_type FROM intents_event WHERE event_type IN (%s, %s) ORDER BY seq",
        "worker.started",
        "worker.stopped",
    )
    assert [event_type for (event_type,) in lifecycle] == ["worker.started", "worker.stopped"]
    assert db.events("worker.started")[0][1]["beat"] is True
    assert db.locks() == {}


@pytest.mark.django_db(transaction=True)
def test_a_worker_on_the_embedded_broker_merges_without_further_commands(tmp_path, git_repo):
    env = database_env(tmp_path)
    _merged_by_a_worker_with_no_further_command(tmp_path, git_repo, env)
    assert (tmp_path / "home" / "broker" / "messages").is_dir()


@pytest.mark.django_db(transaction=True)
def test_a_worker_on_redis_merges_without_further_commands(tmp_path, git_repo, redis_broker):
    env = {**database_env(tmp_path), **redis_broker}
    _merged_by_a_worker_with_no_further_command(tmp_path, git_repo, env)
    assert not (tmp_path / "home" / "broker").exists()


@pytest.mark.django_db(transaction=True)
def test_sigterm_lets_the_intent_in_flight_finish_and_exits_0(tmp_path, git_repo):
    env = database_env(tmp_path)
    home = Path(env["CONVERGE_HOME"])
    home.mkdir(parents=True, exist_ok=True)
    for intent_id in ("first", "second"):
        _branch(git_repo, f"feature/{intent_id}", f"docs/{intent_id}.md")
        assert (
            converge(
                env,
                "--repo",
                str(git_repo),
                "intent",
                "create",
                "--from-branch",
                f"feature/{intent_id}",
                "--intent-id",
                intent_id,
            ).returncode
            == 0
        )
        assert (
            converge(env, "--repo", str(git_repo), "validate", "--intent-id", intent_id).returncode
            == 0
        )
    # A check that takes two seconds, so the signal lands while an intent is in flight. It is
    # configured after the validations: the changed policy makes the worker's revalidation a
    # new decision that runs it (an unchanged one would reuse the last decision at once). A
    # batch of one keeps a single intent in flight (a batch's members finish together).
    one_at_a_time = {"size": 1, "min_size": 1, "max_size": 1}
    policy = {"checks": {"lint": ["sleep", "2"]}, "queue": {"batch": one_at_a_time}}
    (home / "policy.json").write_text(json.dumps(policy))
    db = Db(env)

    worker = Process(worker_env(env), ["worker", "--concurrency", "1"], tmp_path, "worker")
    with running([worker]):
        in_flight = wait_until(db.claimed, timeout=60, interval=0.05)
        assert list(in_flight) == ["first"], worker.log_tail()
        exit_code = worker.terminate(timeout=60)

    assert exit_code == 0, worker.log_tail()
    assert db.statuses() == {"first": "MERGED", "second": "VALIDATED"}
    stopped = db.events("worker.stopped")
    assert len(stopped) == 1 and stopped[0][1]["total_processed"] == 1
    assert db.locks() == {} and db.claimed() == {}
    subjects = git(git_repo, "log", "--merges", "--format=%s", "main").splitlines()
    assert subjects == ["converge: merge feature/first into main"]
