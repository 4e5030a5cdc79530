"""Review completion asks the ``CONVERGE_REVIEW_COMPLETION_CHECKS`` hooks first; a refusal
leaves the review open and writes no completion."""

from __future__ import annotations

import pytest

from converge_core.hooks import ReviewCompletion
from converge_core.reviews import SeparationOfDuties
from intents.hooks import _load
from intents.tests.factories import IntentFactory
from ledger.selectors import event_exists
from reviews.services import review_complete, review_request

SEEN: list[ReviewCompletion] = []


def refuse_mallory(completion: ReviewCompletion) -> str | None:
    SEEN.append(completion)
    return "mallory may not" if completion.actor == "mallory" else None


@pytest.fixture(autouse=True)
def hook(settings):
    _load.cache_clear()
    settings.CONVERGE_REVIEW_COMPLETION_CHECKS = [f"{__name__}.refuse_mallory"]
    SEEN.clear()
    yield
    _load.cache_clear()


@pytest.mark.django_db
def test_a_refused_completion_leaves_the_review_open():
    IntentFactory(id="held")
    task = review_request(intent_id="held", actor="ops")

    with pytest.raises(SeparationOfDuties, match="mallory may not"):
        review_complete(task_id=task.id, resolution="approved", actor="mallory")
    done = review_complete(task_id=task.id, resolution="rejected", actor="trent")

    assert [c.actor for c in SEEN] == ["mallory", "trent"]
    assert SEEN[0] == ReviewCompletion(task.id, "held", None, "mallory", "approved")
    assert done.status == "completed" and done.resolution == "rejected"
    assert event_exists(event_type="review.completed", agent_id="trent")
    assert not event_exists(event_type="review.completed", agent_id="mallory")
