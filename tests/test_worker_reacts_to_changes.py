"""The idle worker still reacts within one cycle to every real change of a decision's inputs:
each change below produces exactly one new decision, and the cycle after it writes nothing."""

from __future__ import annotations

import json

import pytest

from converge_core.tests.gitrepo import GitRepo
from flags.services import flag_set
from intents.archaeology import archaeology_snapshot
from intents.models import Intent, IntentDecision
from intents.queue import merge_confirm
from intents.repositories import repository_resolve
from intents.risk import risk_policy_set
from intents.services import intent_update
from intents.tasks import queue_dispatch_task, ready_intents_dispatch_task
from intents.tests.queue_helpers import validated_intent
from ledger.models import Event
from reviews.services import review_complete, review_request


@pytest.fixture
def repo(tmp_path, settings):
    git = GitRepo.create(tmp_path / "repo")
    git.commit("main", {"README.md": "demo\n", "src/config.py": "TIMEOUT = 30\n"})
    settings.CONVERGE_HOME = tmp_path / "home"
    settings.CONVERGE_HOME.mkdir()
    settings.CONVERGE_WORKER_AUTO_CONFIRM = False
    return git


@pytest.fixture
def repository(db, repo):
    return repository_resolve(repo.path)


@pytest.fixture
def queued(repo, repository):
    """Intent ``a`` (tenant acme) QUEUED by one worker cycle; the next cycle writes nothing."""
    validated_intent(repository, repo, "a", {"docs/a.md": "a\n"}, tenant_id="acme")
    _cycle()
    assert Intent.objects.get(pk="a").status == "QUEUED"
    assert _new_events(_cycle) == []
    return Intent.objects.get(pk="a")


def _cycle() -> None:
    ready_intents_dispatch_task()
    queue_dispatch_task()


def _new_events(action) -> list[str]:
    last = Event.objects.order_by("-seq").values_list("seq", flat=True).first() or 0
    action()
    events = Event.objects.filter(seq__gt=last).order_by("seq")
    return list(events.values_list("event_type", flat=True))


def _reacts(changed: str) -> list[str]:
    """One cycle after a change: a new decision for ``a`` naming the changed input, with no
    status change (it stays QUEUED); then a quiet cycle."""
    before = IntentDecision.objects.get(pk="a")
    events = _new_events(_cycle)
    after = IntentDecision.objects.get(pk="a")
    assert "policy.evaluated" in events and "intent.status_changed" not in events, events
    assert after.fingerprint != before.fingerprint and after.trace_id != before.trace_id
    assert changed in after.decision["inputs_changed"], after.decision["inputs_changed"]
    assert Intent.objects.get(pk="a").status == "QUEUED"
    assert _new_events(_cycle) == []
    return events


def test_the_target_moving_is_a_new_decision(repo, queued):
    repo.commit("main", {"docs/other.md": "x\n"})
    events = _reacts("target_sha")
    assert "simulation.completed" in events  # simulated again against the new head


def test_the_source_moving_is_a_new_decision(repo, queued):
    repo.commit("feature/a", {"docs/a.md": "a, amended\n"})
    _reacts("source_sha")
    simulation = Event.objects.filter(intent_id="a", event_type="simulation.completed").first()
    assert simulation.payload["source_sha"] == repo.rev("feature/a")


def test_a_policy_edit_is_a_new_decision(settings, queued):
    policy = {"profiles": {"medium": {"entropy_budget": 19.5}}}
    (settings.CONVERGE_HOME / "policy.json").write_text(json.dumps(policy))
    _reacts("policy")


def test_the_tenants_risk_policy_is_part_of_the_policy(queued):
    risk_policy_set(tenant_id="acme", data={"max_risk_score": 90}, actor="ops")
    _reacts("policy")
    risk_policy_set(tenant_id="other", data={"max_risk_score": 10}, actor="ops")
    assert _new_events(_cycle) == []  # another tenant's policy is not an input of a


def test_a_flag_edit_is_a_new_decision(queued):
    flag_set(name="risk_auto_classify", mode="shadow", actor="ops")
    events = _reacts("flags")
    assert events[0] == "risk.evaluated"  # the new mode is in force for this decision


def test_an_edit_of_the_intent_is_a_new_decision(queued):
    intent_update(intent_id="a", changes={"priority": 1}, actor="ops")
    _reacts("intent")


def test_a_new_archaeology_snapshot_is_a_new_decision(repository, queued):
    archaeology_snapshot(repository)
    _reacts("archaeology_snapshot")


def test_a_completed_review_is_a_new_decision(queued):
    task = review_request(intent_id="a", actor="ops")
    assert _new_events(_cycle) == []  # held while the review is open: nothing to decide
    review_complete(task_id=task.id, resolution="approved", actor="alice")
    _reacts("extensions.reviews.holds.review_inputs")


def test_a_merged_dependency_queues_its_dependent(repo, repository, settings):
    validated_intent(repository, repo, "dep", {"docs/dep.md": "d\n"}, priority=1)
    validated_intent(repository, repo, "child", {"docs/c.md": "c\n"}, dependencies=["dep"])
    _cycle()
    blocked = Event.objects.filter(intent_id="child", event_type="intent.dependency_blocked")
    assert blocked.count() == 1 and Intent.objects.get(pk="child").status == "VALIDATED"
    assert _new_events(_cycle) == []

    merge_confirm(intent_id="dep", merged_commit=None, actor="ops")  # merged elsewhere
    events = _new_events(_cycle)

    assert events == ["intent.status_changed", "queue.processed"]
    change = Event.objects.get(intent_id="child", event_type="intent.status_changed")
    assert (change.payload["from"], change.payload["to"]) == ("VALIDATED", "QUEUED")
    assert change.payload["reused"] is True  # nothing the decision depends on had changed
    assert blocked.count() == 1
    assert _new_events(_cycle) == []
