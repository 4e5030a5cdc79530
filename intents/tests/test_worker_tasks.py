"""The worker's tasks in-process (eager): single flight, first validation, hand-over, recovery."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.utils import timezone

from converge_core.tests.gitrepo import GitRepo
from intents.gitaccess import git_for
from intents.locks import claim_intent, lock_acquire, lock_name
from intents.models import Intent, QueueLock, WorkerHeartbeat
from intents.repositories import repository_resolve
from intents.services import intent_update
from intents.tasks import (
    intent_validate_task,
    queue_dispatch_task,
    queue_process_task,
    ready_intents_dispatch_task,
    worker_heartbeat_task,
)
from intents.tests.factories import create_intent
from intents.tests.queue_helpers import validated_intent
from intents.worker import queue_pairs, ready_intents_pending
from interfaces import workerstate
from ledger.chain import chain_verify
from ledger.models import Event


@pytest.fixture
def repo(tmp_path, settings):
    git = GitRepo.create(tmp_path / "repo")
    git.commit("main", {"README.md": "demo\n"})
    settings.CONVERGE_HOME = tmp_path / "home"
    settings.CONVERGE_WORKER_AUTO_CONFIRM = True
    return git


@pytest.fixture
def repository(db, repo):
    return repository_resolve(repo.path)


@pytest.fixture
def worker_state(monkeypatch):
    """The state a worker's main process creates before its pool starts."""
    state = workerstate.WorkerState()
    monkeypatch.setattr(workerstate, "_state", state)
    return state


def _status(intent_id):
    return Intent.objects.get(pk=intent_id).status


def _merges(repo, branch="main"):
    return repo.git("log", "--merges", "--format=%s", branch).splitlines()


def test_a_held_lock_makes_the_queue_task_return_at_once(repo, repository):
    validated_intent(repository, repo, "a", {"docs/a.md": "a\n"})
    assert lock_acquire(repository, "main", holder="other-worker", ttl=300)

    started = time.monotonic()
    outcome = queue_process_task(repository.id, "main")

    assert time.monotonic() - started < 2  # not the lock's 300 s TTL
    assert outcome["status"] == "busy"
    assert outcome["lock"]["holder"] == "other-worker"
    assert _status("a") == "VALIDATED"
    assert QueueLock.objects.get().holder == "other-worker"
    assert not Event.objects.filter(event_type="queue.processed").exists()


def test_the_dispatcher_skips_targets_someone_is_on(repo, repository, settings):
    settings.CONVERGE_WORKER_TARGETS = None  # CONVERGE_WORKER_TARGET=*
    validated_intent(repository, repo, "a", {"docs/a.md": "a\n"})
    repo.branch("release")
    validated_intent(repository, repo, "r", {"docs/r.md": "r\n"}, target="release")
    assert lock_acquire(repository, "main", holder="other-worker", ttl=300)

    assert queue_pairs(targets=None) == [(repository.id, "release")]
    assert queue_pairs(targets=["main"]) == []
    assert queue_dispatch_task() == 1  # eager: release is processed right away
    assert (_status("a"), _status("r")) == ("VALIDATED", "MERGED")


def test_a_dead_workers_expired_lock_and_claim_are_taken_over(repo, repository):
    validated_intent(repository, repo, "a", {"docs/a.md": "a\n"})
    past = timezone.now() - timedelta(seconds=1)
    assert lock_acquire(repository, "main", holder="dead-worker", ttl=300)
    QueueLock.objects.update(expires_at=past)
    assert claim_intent("a", holder="dead-worker", ttl=300)
    Intent.objects.filter(pk="a").update(claim_expires_at=past)

    outcome = queue_process_task(repository.id, "main")

    assert outcome["status"] == "done" and outcome["decisions"] == {"merged": 1}
    assert _status("a") == "MERGED"
    assert QueueLock.objects.count() == 0
    assert Intent.objects.get(pk="a").claimed_by is None


def test_a_merge_recorded_by_nobody_is_not_merged_twice(repo, repository):
    """The worker died after moving the target and before recording the merge."""
    intent = validated_intent(repository, repo, "a", {"docs/a.md": "a\n"})
    source_sha, target_sha = repo.rev(intent.source), repo.rev("main")
    simulation = git_for(repository).simulate(intent.source, "main")
    landed = git_for(repository).merge(
        source_sha, "main", target_sha, simulation.tree_sha, source=intent.source
    )

    outcome = queue_process_task(repository.id, "main")

    assert outcome["decisions"] == {"merged": 1}
    merged = Event.objects.get(intent_id="a", event_type="intent.merged").payload
    assert merged["merged_commit"] == landed
    assert merged["already_merged"] is True
    assert _merges(repo) == ["converge: merge feature/a into main"]
    assert chain_verify()["valid"] is True


def test_a_stop_request_ends_the_run_before_the_next_intent(repo, repository, worker_state):
    validated_intent(repository, repo, "a", {"docs/a.md": "a\n"})
    worker_state.request_stop()

    outcome = queue_process_task(repository.id, "main")

    assert outcome["processed"] == 0
    assert _status("a") == "VALIDATED"
    assert QueueLock.objects.count() == 0


def test_a_full_batch_hands_over_to_a_follow_up(repo, repository, settings, worker_state):
    settings.CONVERGE_WORKER_BATCH_SIZE = 1
    for name in ("a", "b", "c"):
        validated_intent(repository, repo, name, {f"docs/{name}.md": f"{name}\n"})

    outcome = queue_process_task(repository.id, "main")  # eager: follow-ups run inline

    assert outcome["processed"] == 1 and outcome["full_batch"] is True
    assert {_status(name) for name in ("a", "b", "c")} == {"MERGED"}
    assert worker_state.snapshot()["total_processed"] == 3
    assert len(_merges(repo)) == 3


def test_the_worker_max_retries_comes_before_the_global_one(repo, repository, settings):
    intent = validated_intent(repository, repo, "a", {"docs/a.md": "a\n"})
    Intent.objects.filter(pk=intent.id).update(retries=2)
    settings.CONVERGE_MAX_RETRIES = 5

    settings.CONVERGE_WORKER_MAX_RETRIES = None
    settings.CONVERGE_WORKER_AUTO_CONFIRM = False
    assert queue_process_task(repository.id, "main")["decisions"] == {"queued": 1}

    settings.CONVERGE_WORKER_MAX_RETRIES = 2
    assert queue_process_task(repository.id, "main")["decisions"] == {"rejected": 1}
    rejected = Event.objects.get(intent_id="a", event_type="intent.rejected").payload
    assert rejected["reason"] == "Max retries (2) exceeded"


def test_ready_intents_are_validated_once_per_change(repo, repository):
    repo.commit("feature/ok", {"docs/ok.md": "ok\n"}, start="main")
    create_intent(repository, "ok")
    create_intent(repository, "ghost", source="feature/never-pushed")

    assert ready_intents_dispatch_task() == 2  # eager: both validated inline

    assert _status("ok") == "VALIDATED"
    assert _status("ghost") == "READY"
    blocked = Event.objects.get(intent_id="ghost", event_type="intent.blocked").payload
    assert "feature/never-pushed" in blocked["reason"]
    # Explained once, not again every cycle ...
    assert ready_intents_pending(targets=["main"], limit=20) == []
    assert ready_intents_dispatch_task() == 0
    # ... until the intent changes.
    intent_update(intent_id="ghost", actor="tester", changes={"priority": 1})
    assert ready_intents_pending(targets=["main"], limit=20) == ["ghost"]
    assert ready_intents_pending(targets=["release"], limit=20) == []


def test_first_validation_leaves_an_intent_another_worker_claimed(repo, repository):
    repo.commit("feature/a", {"docs/a.md": "a\n"}, start="main")
    create_intent(repository, "a")
    assert claim_intent("a", holder="other-worker", ttl=300)

    assert ready_intents_pending(targets=None, limit=20) == []
    assert intent_validate_task("a") == {"intent_id": "a", "decision": "claimed"}
    assert _status("a") == "READY"
    assert not Event.objects.filter(intent_id="a", event_type="simulation.completed").exists()


def test_the_heartbeat_refreshes_the_worker_row_and_writes_no_event(repo, repository, worker_state):
    validated_intent(repository, repo, "a", {"docs/a.md": "a\n"})
    worker_state.count_cycle(4)
    worker_state.count_cycle(0, idle=True)
    before = Event.objects.count()

    payload = worker_heartbeat_task()

    assert Event.objects.count() == before
    assert not Event.objects.filter(event_type="worker.heartbeat").exists()
    row = WorkerHeartbeat.objects.get()
    assert (row.cycles, row.idle_cycles, row.total_processed) == (2, 1, 4)
    assert (row.queue_depth, row.pid) == (1, worker_state.pid)
    assert payload["cycle"] == 2 and payload["idle_cycles"] == 1
    assert payload["total_processed"] == 4 and payload["queue_depth"] == 1
    assert payload["node"] == row.node and payload["last_seen_at"] is not None

    worker_state.count_cycle(3)
    worker_heartbeat_task()
    assert WorkerHeartbeat.objects.count() == 1  # refreshed in place, not appended
    assert WorkerHeartbeat.objects.get().total_processed == 7


def test_queue_locks_are_named_per_repository_and_target(repository):
    assert lock_name(repository, "release") == f"{repository.name}:release"
