"""Batched checks on the chained merged tree: green batches, bisection, testing alone,
flaky re-runs and the adaptive window."""

from __future__ import annotations

import pytest

from intents.models import CheckRun, Intent, QueueControl
from intents.queue import QueueOptions, queue_run
from intents.repositories import repository_resolve
from intents.tests.batch_helpers import checked_repo, queued_intent, write_policy
from ledger.chain import chain_verify
from ledger.models import Event

LINT = ["python3", "check.py"]


@pytest.fixture
def repo(tmp_path, settings):
    settings.CONVERGE_HOME = tmp_path / "home"
    write_policy(tmp_path / "home", {"lint": LINT})
    return checked_repo(tmp_path / "repo")


@pytest.fixture
def repository(db, repo):
    return repository_resolve(repo.path)


def _run(repository, **options):
    options.setdefault("auto_confirm", True)
    return queue_run(repository=repository, options=QueueOptions(targets=["main"], **options))


def _tree(repo, ref="main"):
    return repo.git("rev-parse", f"{ref}^{{tree}}").strip()


def _tested():
    return [
        e.payload for e in Event.objects.filter(event_type="queue.batch_tested").order_by("seq")
    ]


def test_a_green_batch_runs_its_checks_once_and_main_ends_on_the_tested_tree(repo, repository):
    for name in "abcd":
        queued_intent(repository, repo, name)

    outcome = _run(repository)

    assert {r["intent_id"]: r["decision"] for r in outcome["results"]} == dict.fromkeys(
        "abcd", "merged"
    )
    [tested] = _tested()
    assert tested["members"] == ["a", "b", "c", "d"] and tested["outcome"] == "passed"
    assert tested["checks"][0]["check_type"] == "lint" and tested["checks"][0]["status"] == "passed"
    assert CheckRun.objects.count() == 1
    assert _tree(repo) == tested["tree_sha"]
    assert [
        p.strip() for p in repo.git("log", "--format=%s", "--first-parent", "main").splitlines()
    ][:4] == [f"converge: merge feature/{name} into main" for name in "dcba"]
    assert QueueControl.objects.get(target="main").window == 5  # grown after green
    assert chain_verify()["valid"]


def test_a_red_batch_is_bisected_the_failing_intent_blocked_with_the_output(repo, repository):
    for name in "abcd":
        queued_intent(repository, repo, name, broken=name == "c")

    outcome = _run(repository)

    decisions = {r["intent_id"]: r["decision"] for r in outcome["results"]}
    assert decisions == {"a": "merged", "b": "merged", "c": "blocked", "d": "merged"}
    blocked = next(r for r in outcome["results"] if r["intent_id"] == "c")
    assert "FAIL: the tree holds BROKEN-c" in blocked["reason"]
    c = Intent.objects.get(pk="c")
    assert (c.status, c.retries) == ("READY", 1)
    requeued = Event.objects.get(intent_id="c", event_type="intent.requeued").payload
    assert "BROKEN-c" in requeued["reason"] and requeued["batch"]
    bisected = Event.objects.get(event_type="queue.bisected").payload
    assert (bisected["bad"], bisected["good"]) == (["c"], ["a", "b", "d"])
    tested = _tested()
    # the batch, then [a, b] (green), then [a, b, c] (red: c); [a, b, d] is the last tree
    assert [t["members"] for t in tested] == [
        ["a", "b", "c", "d"],
        ["a", "b"],
        ["a", "b", "c"],
        ["a", "b", "d"],
    ]
    assert [t["outcome"] for t in tested] == ["failed", "passed", "failed", "passed"]
    assert _tree(repo) == tested[-1]["tree_sha"]
    assert "BROKEN-c" not in repo.files("main")
    assert QueueControl.objects.get(target="main").window == 2  # halved after red


def test_intents_whose_profile_says_batch_false_are_tested_alone(tmp_path, repo, repository):
    write_policy(tmp_path / "home", {"lint": LINT}, profiles={"medium": {"batch": False}})
    for name in "ab":
        queued_intent(repository, repo, name)

    _run(repository)

    assert [t["members"] for t in _tested()] == [["a"], ["b"]]
    assert Intent.objects.filter(status="MERGED").count() == 2


def test_a_flaky_check_is_rerun_on_the_same_tree_and_does_not_block(tmp_path, repo, repository):
    counter = tmp_path / "counter.json"
    write_policy(
        tmp_path / "home", {"lint": ["python3", "flaky.py", str(counter)], "flaky_retries": 1}
    )
    queued_intent(repository, repo, "a")

    outcome = _run(repository)

    assert outcome["results"][0]["decision"] == "merged"
    [tested] = _tested()
    assert tested["checks"][0] | {"duration_ms": 0} == {
        "check_type": "lint",
        "status": "passed",
        "duration_ms": 0,
        "attempts": 2,
        "flaky": True,
    }
    runs = CheckRun.objects.order_by("attempt")
    assert [(r.attempt, r.state) for r in runs] == [(1, "failed"), (2, "passed")]
    assert {r.tree_sha for r in runs} == {tested["tree_sha"]}
    check = Event.objects.filter(intent_id="a", event_type="check.completed").last().payload
    assert check["flaky"] is True and check["tree_sha"] == tested["tree_sha"]


def test_without_flaky_retries_a_flaky_failure_blocks(tmp_path, repo, repository):
    write_policy(tmp_path / "home", {"lint": ["python3", "flaky.py", str(tmp_path / "c.json")]})
    queued_intent(repository, repo, "a")

    outcome = _run(repository)

    assert outcome["results"][0]["decision"] == "blocked"
    assert CheckRun.objects.count() == 1


def test_an_intent_depending_on_one_in_the_queue_waits_for_its_batch(repo, repository):
    queued_intent(repository, repo, "base", priority=2)
    queued_intent(repository, repo, "child", priority=1, dependencies=["base"])

    outcome = _run(repository)

    assert [r["intent_id"] for r in outcome["results"]] == ["base", "child"]
    assert {r["decision"] for r in outcome["results"]} == {"merged"}


def test_an_idle_batched_queue_writes_nothing(repo, repository):
    for name in "ab":
        queued_intent(repository, repo, name)
    _run(repository)
    count = Event.objects.count()

    outcome = _run(repository)

    assert outcome["results"] == [] and Event.objects.count() == count
