"""Pause, resume, freezes, jumps, positions and ETAs of a batched queue."""

from __future__ import annotations

import pytest

from intents.models import Intent, QueueJump
from intents.queue import QueueOptions, queue_run
from intents.queue.controls import queue_jump, queue_pause, queue_resume
from intents.queue.position import intent_queue_position, queue_positions
from intents.repositories import repository_resolve
from intents.tests.batch_helpers import checked_repo, queued_intent, write_policy
from ledger.models import Event

LINT = ["python3", "check.py"]


@pytest.fixture
def home(tmp_path, settings):
    settings.CONVERGE_HOME = tmp_path / "home"
    write_policy(tmp_path / "home", {"lint": LINT})
    return tmp_path / "home"


@pytest.fixture
def repo(tmp_path, home, settings):
    repo = checked_repo(tmp_path / "repo")
    settings.CONVERGE_REPO_PATH = str(repo.path)
    return repo


@pytest.fixture
def repository(db, repo):
    return repository_resolve(repo.path)


def _run(repository):
    options = QueueOptions(targets=["main"], auto_confirm=True)
    return queue_run(repository=repository, options=options)


def _statuses():
    return dict(Intent.objects.values_list("id", "status"))


def test_a_paused_queue_revalidates_but_merges_nothing_until_resumed(repo, repository):
    queued_intent(repository, repo, "a")
    head = repo.rev("main")

    paused = queue_pause(repository=repository, target="main", reason="release", actor="ops")
    again = queue_pause(repository=repository, target="main", reason="other", actor="ops")
    outcome = _run(repository)

    assert (paused["changed"], again["changed"], again["reason"]) == (True, False, "release")
    assert outcome["held"] == [
        {"target": "main", "kind": "paused", "reason": "release", "actor": "ops"}
    ]
    assert outcome["results"][0]["decision"] == "queued"
    assert _statuses() == {"a": "QUEUED"} and repo.rev("main") == head
    assert queue_positions(repository=repository, target="main")["held"]["kind"] == "paused"

    resumed = queue_resume(repository=repository, target="main", actor="ops")
    _run(repository)

    assert resumed["changed"] and _statuses() == {"a": "MERGED"}
    events = Event.objects.filter(event_type__startswith="queue.").exclude(
        event_type__in=["queue.processed", "queue.batch_tested"]
    )
    assert [(e.event_type, e.agent_id, e.payload["reason"]) for e in events.order_by("seq")] == [
        ("queue.paused", "ops", "release"),
        ("queue.resumed", "ops", ""),
    ]


def test_a_scheduled_freeze_holds_merges_except_for_the_levels_it_allows(home, repo, repository):
    every_day = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
    freeze = {
        "days": every_day,
        "start": "00:00",
        "end": "00:00",
        "timezone": "Europe/Paris",
        "reason": "release week",
        "except": ["low"],
    }
    write_policy(home, {"lint": LINT}, queue={"freezes": [freeze]})
    queued_intent(repository, repo, "medium")
    queued_intent(repository, repo, "low", risk_level="low")

    outcome = _run(repository)

    assert outcome["held"][0]["kind"] == "frozen"
    assert outcome["held"][0]["reason"] == "release week"
    assert _statuses() == {"medium": "QUEUED", "low": "MERGED"}
    assert not Event.objects.filter(event_type="queue.paused").exists()


def test_a_jumped_intent_goes_first_and_is_tested_alone(repo, repository):
    for name in ("a", "b", "c"):
        queued_intent(repository, repo, name, priority=1)
    queued_intent(repository, repo, "hotfix", priority=5)

    jump = queue_jump(intent_id="hotfix", reason="prod is down", actor="ops")
    assert queue_positions(repository=repository, target="main")["intents"][0] == {
        "intent_id": "hotfix",
        "position": 1,
        "status": "VALIDATED",
        "priority": 5,
        "effective_priority": 5,
        "jumped": True,
        "eta_seconds": None,
        "eta": None,
    }
    _run(repository)

    assert jump["changed"] is True
    tested = Event.objects.filter(event_type="queue.batch_tested").order_by("seq")
    assert [e.payload["members"] for e in tested] == [["hotfix"], ["a", "b", "c"]]
    assert not QueueJump.objects.exists()
    jumped = Event.objects.get(event_type="queue.jumped")
    assert (jumped.intent_id, jumped.agent_id, jumped.payload["reason"]) == (
        "hotfix",
        "ops",
        "prod is down",
    )


def test_waiting_intents_know_their_position_and_an_eta_from_measured_batches(repo, repository):
    for name in ("a", "b"):
        queued_intent(repository, repo, name)
    _run(repository)  # one green batch measured
    for name in ("c", "d", "e", "f", "g", "h", "i"):
        queued_intent(repository, repo, name)

    queue = queue_positions(repository=repository, target="main")

    assert [row["position"] for row in queue["intents"]] == list(range(1, 8))
    assert queue["window"] == 5 and queue["rates"]["red_share"] == 0.0
    seconds = queue["rates"]["check_seconds"]
    assert seconds > 0
    assert queue["intents"][0]["eta_seconds"] == round(seconds, 1)
    assert queue["intents"][6]["eta_seconds"] == round(2 * seconds, 1)  # second batch
    place = intent_queue_position(Intent.objects.get(pk="g"))
    assert (place["in_queue"], place["position"], place["of"]) == (True, 5, 7)
    merged = intent_queue_position(Intent.objects.get(pk="a"))
    assert merged == {"in_queue": False, "status": "MERGED", "reason": "merged"}


def test_a_blocked_intent_carries_the_reason_it_left_the_queue(repo, repository):
    queued_intent(repository, repo, "bad", broken=True)
    _run(repository)

    place = intent_queue_position(Intent.objects.get(pk="bad"))

    assert place["in_queue"] is False and place["status"] == "READY"
    assert place["reason"].startswith("Checks failed on the merged tree")
    assert "BROKEN-bad" in place["reason"]


def test_a_jump_during_a_run_goes_ahead_of_the_batches_still_to_come(repo, repository, monkeypatch):
    import intents.queue.batches as batches

    for name in ("a", "b", "c", "d", "e", "f"):
        queued_intent(repository, repo, name, priority=1)
    original = batches.tree_checks_run
    calls = []

    def jump_during_the_first_test(**kwargs):
        if not calls:
            queue_jump(intent_id="f", reason="hotfix", actor="ops")
        calls.append(kwargs["tree_sha"])
        return original(**kwargs)

    monkeypatch.setattr(batches, "tree_checks_run", jump_during_the_first_test)
    _run(repository)

    tested = Event.objects.filter(event_type="queue.batch_tested").order_by("seq")
    assert [e.payload["members"] for e in tested] == [["a", "b", "c", "d"], ["f"], ["e"]]
