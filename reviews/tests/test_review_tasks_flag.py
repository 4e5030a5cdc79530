"""Flag review_tasks off: Converge opens no review by itself and the sweep changes nothing;
manual requests and the queue hold are unchanged."""

from datetime import timedelta

from django.utils import timezone

from intents.tests.factories import IntentFactory
from ledger.models import Event
from reviews.holds import review_holds
from reviews.models import ReviewTask
from reviews.services import review_request, review_request_automatic
from reviews.sweep import review_sweep
from reviews.tests.factories import ReviewTaskFactory


def test_automatic_requests_follow_the_flag(db, monkeypatch):
    IntentFactory(id="i-1")
    task = review_request_automatic(intent_id="i-1", trigger="coherence", actor="pipeline")
    assert task.trigger == "coherence"
    monkeypatch.setenv("CONVERGE_FF_REVIEW_TASKS", "0")
    assert review_request_automatic(intent_id="i-1", trigger="conflict", actor="pipeline") is None
    assert ReviewTask.objects.count() == 1
    manual = review_request(intent_id="i-1", trigger="manual", actor="ops")
    assert manual.status == "pending"
    assert review_holds(["i-1"])["i-1"].code == "review_pending"


def test_the_sweep_only_records_breaches_with_the_flag_off(db, monkeypatch, settings):
    settings.CONVERGE_REVIEW_POOL = "alice"
    monkeypatch.setenv("CONVERGE_FF_REVIEW_TASKS", "0")
    created = timezone.now() - timedelta(hours=9)
    for _ in range(11):
        ReviewTaskFactory(created_at=created, risk_level="critical")
    report = review_sweep()
    assert report["automation"] is False and report["breaches"] == 11
    assert "intake" not in report  # the backlog hooks (intake's throttle) did not run
    assert set(ReviewTask.objects.values_list("status", flat=True)) == {"pending"}
    assert set(Event.objects.values_list("event_type", flat=True)) == {"review.sla.breached"}
