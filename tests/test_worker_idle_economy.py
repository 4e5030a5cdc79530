"""An idle worker writes nothing: after the first decision, cycles over QUEUED intents with
auto-confirm off add no event, touch no intent row and leave no ``queue.processed``."""

from __future__ import annotations

import pytest

from converge_core.tests.gitrepo import GitRepo
from intents.models import Intent, IntentDecision, QueueLock
from intents.repositories import repository_resolve
from intents.services import intent_override_status, intent_update
from intents.tasks import queue_dispatch_task, ready_intents_dispatch_task
from intents.tests.queue_helpers import validated_intent
from interfaces import workerstate
from ledger.models import Event
from reviews.services import review_request

IDLE_CYCLES = 30


@pytest.fixture
def repo(tmp_path, settings):
    git = GitRepo.create(tmp_path / "repo")
    git.commit("main", {"README.md": "demo\n"})
    settings.CONVERGE_HOME = tmp_path / "home"
    settings.CONVERGE_WORKER_AUTO_CONFIRM = False
    settings.CONVERGE_WORKER_BATCH_SIZE = 2  # a backlog longer than one batch
    return git


@pytest.fixture
def repository(db, repo):
    return repository_resolve(repo.path)


@pytest.fixture
def worker_state(monkeypatch):
    state = workerstate.WorkerState()
    monkeypatch.setattr(workerstate, "_state", state)
    return state


def _cycle() -> None:
    """One poll interval of the worker: the two beat tasks (eager, follow-ups inline)."""
    ready_intents_dispatch_task()
    queue_dispatch_task()


def _new_events(action) -> list[str]:
    last = Event.objects.order_by("-seq").values_list("seq", flat=True).first() or 0
    action()
    events = Event.objects.filter(seq__gt=last).order_by("seq")
    return list(events.values_list("event_type", flat=True))


def _rows() -> list[tuple]:
    return list(
        Intent.objects.order_by("id").values_list(
            "id", "status", "retries", "updated_at", "claimed_by", "risk_level"
        )
    )


def test_cycles_over_queued_intents_write_nothing_after_the_first_decision(
    repo, repository, worker_state
):
    names = [f"i{n}" for n in range(5)]
    for name in names:
        validated_intent(repository, repo, name, {f"docs/{name}.md": f"{name}\n"})

    _cycle()  # the first decision: every intent is taken into the queue

    assert set(Intent.objects.values_list("status", flat=True)) == {"QUEUED"}
    queued = Event.objects.filter(event_type="intent.status_changed", payload__to="QUEUED")
    assert queued.count() == 5
    events, rows = Event.objects.count(), _rows()
    decisions = list(IntentDecision.objects.order_by("intent_id").values_list())

    for _ in range(IDLE_CYCLES):
        _cycle()

    assert Event.objects.count() == events
    assert _rows() == rows  # no status, retry, claim or timestamp was written either
    assert list(IntentDecision.objects.order_by("intent_id").values_list()) == decisions
    assert QueueLock.objects.count() == 0
    stats = worker_state.snapshot()
    assert stats["cycles"] >= IDLE_CYCLES + 1
    assert stats["idle_cycles"] == stats["cycles"] - 3  # the first cycle's three batches


def test_a_queue_run_that_only_finds_holds_leaves_no_trace(repo, repository, worker_state):
    validated_intent(repository, repo, "a", {"docs/a.md": "a\n"})
    _cycle()
    review_request(intent_id="a", actor="tester")
    events = Event.objects.count()

    for _ in range(5):
        _cycle()

    # review_pending is a hold, not a decision: no queue.processed, no event at all
    assert Event.objects.count() == events
    assert Intent.objects.get(pk="a").status == "QUEUED"


def test_the_systems_same_status_is_not_written_an_operators_override_is(repo, repository):
    validated_intent(repository, repo, "a", {"docs/a.md": "a\n"})
    _cycle()
    repo.commit("main", {"docs/other.md": "x\n"})  # a real change: a new decision follows
    before = Event.objects.count()

    _cycle()

    new = list(Event.objects.filter(seq__gt=before).values_list("event_type", flat=True))
    assert "policy.evaluated" in new
    assert "intent.status_changed" not in new  # QUEUED -> QUEUED is no change
    intent_override_status(intent_id="a", status="QUEUED", actor="ops", reason="re-queue")
    override = Event.objects.filter(event_type="intent.status_changed").order_by("-seq").first()
    assert override.payload["from"] == "QUEUED" and override.payload["to"] == "QUEUED"
    assert (override.payload["override"], override.agent_id) == (True, "ops")


def test_a_block_is_written_once_until_its_reason_changes(repo, repository):
    repo.commit("main", {"src/config.py": "TIMEOUT = 30\n"})
    validated_intent(repository, repo, "late", {"src/config.py": "TIMEOUT = 99\n"})
    repo.commit("main", {"src/config.py": "TIMEOUT = 1\n"})
    blocks = Event.objects.filter(intent_id="late", event_type="intent.blocked")

    _cycle()  # the queue: a conflict with main costs a retry, back to READY

    late = Intent.objects.get(pk="late")
    assert (late.status, late.retries, blocks.count()) == ("READY", 1, 1)
    for _ in range(5):  # the first validation of READY intents reuses that block
        _cycle()
    assert blocks.count() == 1
    assert Event.objects.filter(intent_id="late").order_by("-seq").first().event_type == (
        "intent.requeued"
    )

    intent_update(
        intent_id="late", changes={"priority": 2}, actor="ops"
    )  # validated again: same block
    new = [e for e in _new_events(_cycle) if e != "intent.updated"]
    assert new == ["simulation.completed"] and blocks.count() == 1

    repo.commit("feature/late", {"README.md": "changed too\n"})
    repo.commit("main", {"README.md": "changed on main\n"})
    intent_update(intent_id="late", changes={"priority": 3}, actor="ops")
    _cycle()
    assert blocks.count() == 2  # a new reason is a new decision
    assert blocks.first().payload["reason"] == "Merge conflicts: README.md, src/config.py"
