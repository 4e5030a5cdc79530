"""The reviews tasks: the sweep task reruns harmlessly; a new review queues its analysis."""

from datetime import timedelta

from django.utils import timezone

from intents.tests.factories import IntentFactory
from ledger.models import Event
from reviews.models import ReviewTask
from reviews.services import review_request
from reviews.tasks import review_analyze_task, review_sweep_task
from reviews.tests.factories import ReviewTaskFactory


def test_the_sweep_task_runs_the_sweep_and_a_rerun_changes_nothing(db, settings):
    settings.CONVERGE_REVIEW_POOL = "alice"
    created = timezone.now() - timedelta(hours=5)
    waiting = ReviewTaskFactory(created_at=created)
    overdue = ReviewTaskFactory(created_at=created - timedelta(days=3))

    first = review_sweep_task.delay().get()
    events = Event.objects.count()
    second = review_sweep_task.delay().get()

    assert [entry["task_id"] for entry in first["assigned"]] == [overdue.id, waiting.id]
    assert first["escalated"] == [{"task_id": overdue.id, "reason": "sla_breach"}]
    assert (second["assigned"], second["escalated"]) == ([], [])
    assert Event.objects.count() == events
    assert dict(ReviewTask.objects.values_list("id", "status")) == {
        waiting.id: "assigned",
        overdue.id: "escalated",
    }


def test_a_new_review_queues_its_analysis_after_commit(
    db, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setenv("CONVERGE_FF_LLM_REVIEW_ADVISOR", "1")
    queued = []
    monkeypatch.setattr(review_analyze_task, "delay", queued.append)
    IntentFactory(id="i-1")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        task = review_request(intent_id="i-1", actor="ops")
    assert queued == []
    for callback in callbacks:
        callback()
    assert queued == [task.id]


def test_a_broker_refusing_the_analysis_never_fails_the_request(
    db, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setenv("CONVERGE_FF_LLM_REVIEW_ADVISOR", "1")

    def refuse(task_id):
        raise ConnectionError("broker down")

    monkeypatch.setattr(review_analyze_task, "delay", refuse)
    IntentFactory(id="i-1")
    with django_capture_on_commit_callbacks(execute=True):
        review_request(intent_id="i-1", actor="ops")
    assert ReviewTask.objects.count() == 1
