"""End to end: a critical intent, declared or reclassified, gets one policy review (priority 1,
the 8 h critical SLA) and the queue merges it only after that review approves; a low-risk
intent is not held."""

import json
from datetime import timedelta

import pytest

from converge_core.tests.gitrepo import GitRepo
from intents.models import Intent
from intents.repositories import repository_resolve
from intents.tests.queue_helpers import validated_intent
from intents.validation import intent_validate
from ledger.models import Event
from reviews.models import ReviewTask
from reviews.services import review_cancel, review_complete


@pytest.fixture
def repo(db, tmp_path, settings, monkeypatch):
    git = GitRepo.create(tmp_path / "repo")
    git.commit("main", {"README.md": "demo\n"})
    settings.CONVERGE_REPO_PATH = str(git.path)
    settings.CONVERGE_HOME = tmp_path / "home"
    monkeypatch.chdir(tmp_path)
    return git


@pytest.fixture
def run_queue(cli, django_capture_on_commit_callbacks):
    def run():
        with django_capture_on_commit_callbacks(execute=True):
            result = cli("queue", "run", "--auto-confirm", "--target", "main")
        assert result.exit_code == 0, result.stderr
        return {r["intent_id"]: r for r in result.json["results"]}

    return run


def _policy_reviews(intent_id):
    return list(ReviewTask.objects.filter(intent_id=intent_id, trigger="policy"))


def test_a_declared_critical_intent_waits_for_an_approved_review(
    repo, run_queue, django_capture_on_commit_callbacks
):
    repository = repository_resolve(repo.path)
    with django_capture_on_commit_callbacks(execute=True):
        validated_intent(
            repository, repo, "hotfix", {"src/pay/charge.py": "fix\n"}, risk_level="critical"
        )
        validated_intent(repository, repo, "docs", {"docs/a.md": "a\n"}, risk_level="low")
    for _ in range(2):  # revalidations reuse the open review
        with django_capture_on_commit_callbacks(execute=True):
            assert intent_validate(intent_id="hotfix")["decision"] == "validated"

    [review] = _policy_reviews("hotfix")
    assert (review.status, review.priority, review.risk_level) == ("pending", 1, "critical")
    assert review.sla_deadline - review.created_at == timedelta(hours=8)
    assert Event.objects.filter(event_type="review.requested", intent_id="hotfix").count() == 1
    assert not ReviewTask.objects.filter(intent_id="docs").exists()

    results = run_queue()
    assert results["hotfix"]["decision"] == "review_pending"
    assert results["docs"]["decision"] == "merged"
    assert Intent.objects.get(pk="hotfix").status == "VALIDATED"

    review_complete(task_id=review.id, resolution="approved", actor="alice")
    assert run_queue()["hotfix"]["decision"] == "merged"
    assert Intent.objects.get(pk="hotfix").status == "MERGED"
    assert ReviewTask.objects.filter(intent_id="hotfix").count() == 1  # not asked again


def test_an_intent_reclassified_critical_at_queue_time_is_not_merged(
    repo, run_queue, settings, tmp_path, django_capture_on_commit_callbacks
):
    repository = repository_resolve(repo.path)
    with django_capture_on_commit_callbacks(execute=True):
        validated_intent(repository, repo, "grows", {"src/pay/refund.py": "r\n"})
    assert Intent.objects.get(pk="grows").risk_level == "medium"
    assert not ReviewTask.objects.exists()

    # Stricter classification: the same change now scores critical when the queue revalidates.
    policy = tmp_path / "policy.json"
    classification = {"low": 0, "medium": 5, "high": 10, "critical": 15}
    policy.write_text(json.dumps({"risk": {"classification": classification}}))
    settings.CONVERGE_POLICY_PATH = str(policy)

    result = run_queue()["grows"]
    assert result["decision"] == "review_required"
    assert result["reason"] == "A critical intent merges only after an approved review"
    intent = Intent.objects.get(pk="grows")
    assert (intent.status, intent.risk_level, intent.declared_risk_level) == (
        "QUEUED",
        "critical",
        "medium",
    )
    [review] = _policy_reviews("grows")
    assert (review.status, review.risk_level) == ("pending", "critical")

    assert run_queue()["grows"]["decision"] == "review_pending"
    review_complete(task_id=review.id, resolution="approved", actor="alice")
    assert run_queue()["grows"]["decision"] == "merged"
    assert len(_policy_reviews("grows")) == 1


def test_a_cancelled_policy_review_keeps_holding_and_is_asked_again(
    repo, run_queue, django_capture_on_commit_callbacks
):
    repository = repository_resolve(repo.path)
    with django_capture_on_commit_callbacks(execute=True):
        validated_intent(repository, repo, "hotfix", {"fix.py": "x\n"}, risk_level="critical")
    [first] = _policy_reviews("hotfix")
    review_cancel(task_id=first.id, reason="wrong reviewer", actor="ops")

    assert run_queue()["hotfix"]["decision"] == "review_required"
    with django_capture_on_commit_callbacks(execute=True):
        intent_validate(intent_id="hotfix")
    assert [r.status for r in _policy_reviews("hotfix")] == ["cancelled", "pending"]


def test_with_review_tasks_off_critical_intents_are_not_held(
    repo, run_queue, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setenv("CONVERGE_FF_REVIEW_TASKS", "0")
    repository = repository_resolve(repo.path)
    with django_capture_on_commit_callbacks(execute=True):
        validated_intent(repository, repo, "hotfix", {"fix.py": "x\n"}, risk_level="critical")
    assert not ReviewTask.objects.exists()
    assert run_queue()["hotfix"]["decision"] == "merged"
