"""The advisor's re-drive: an open review left without an analysis (its task lost, or deferred
by the rate limit) is analysed by the beat's sweep, once."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from intents.tests.factories import IntentFactory
from ledger.append import event_append
from ledger.models import Event
from reviews import advisor
from reviews.tasks import review_analysis_redrive_task
from reviews.tests.factories import ReviewTaskFactory
from reviews.tests.test_review_advisor import FakeProvider


@pytest.fixture
def provider(monkeypatch):
    fake = FakeProvider()
    monkeypatch.setattr(advisor, "advisor_provider", lambda: fake)
    monkeypatch.setenv("CONVERGE_FF_LLM_REVIEW_ADVISOR", "1")
    cache.delete(advisor._RATE_KEY)
    yield fake
    cache.delete(advisor._RATE_KEY)


def review(task_id, *, minutes_ago, status="pending"):
    intent = IntentFactory(id=f"i-{task_id}")
    return ReviewTaskFactory(
        id=task_id,
        intent=intent,
        status=status,
        created_at=timezone.now() - timedelta(minutes=minutes_ago),
    )


def analysed():
    return sorted(
        Event.objects.filter(event_type="review.analysis_generated").values_list(
            "payload__task_id", flat=True
        )
    )


def test_an_open_review_without_an_analysis_is_analysed_once(db, provider):
    review("rev-lost", minutes_ago=10)

    assert review_analysis_redrive_task.delay().get() == 1
    assert review_analysis_redrive_task.delay().get() == 0

    assert analysed() == ["rev-lost"] and len(provider.prompts) == 1


def test_new_old_closed_and_failed_reviews_are_left_alone(db, provider):
    review("rev-new", minutes_ago=1)  # its own task is still on the way
    review("rev-old", minutes_ago=2 * 24 * 60)
    review("rev-done", minutes_ago=10, status="cancelled")
    failed = review("rev-failed", minutes_ago=10)
    event_append(
        event_type="review.analysis_failed",
        intent_id=failed.intent_id,
        payload={"error": "boom", "provider": "fake", "task_id": failed.id},
    )

    assert review_analysis_redrive_task.delay().get() == 0
    assert provider.prompts == []


def test_nothing_is_redriven_with_the_advisor_off(db, provider, monkeypatch):
    monkeypatch.setenv("CONVERGE_FF_LLM_REVIEW_ADVISOR", "0")
    review("rev-lost", minutes_ago=10)
    assert review_analysis_redrive_task.delay().get() == 0
    assert provider.prompts == []


def test_an_analysis_already_running_is_not_asked_again(db, provider):
    task = review("rev-busy", minutes_ago=10)
    assert advisor._analysis_claim(task.id)  # another worker is on it

    assert advisor.review_analyze(task_id=task.id) is None
    assert provider.prompts == []

    advisor._analysis_release(task.id)
    assert advisor.review_analyze(task_id=task.id)["task_id"] == task.id
    assert analysed() == ["rev-busy"]
