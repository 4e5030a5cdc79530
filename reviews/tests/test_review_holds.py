"""The review queue hold: open reviews hold, a rejection rejects, approval releases."""

from django.utils import timezone

from converge_core.hooks import QueueHold
from intents.tests.factories import IntentFactory
from reviews.holds import review_holds
from reviews.tests.factories import ReviewTaskFactory


def test_holds_for_a_batch_in_one_query(db, django_assert_num_queries):
    held, rejected, approved, deferred, cancelled, free = (
        IntentFactory(id=name)
        for name in ("held", "rejected", "approved", "deferred", "cx", "free")
    )
    ReviewTaskFactory(intent=held, status="in_review")
    ReviewTaskFactory(intent=held, status="escalated")
    now = timezone.now()
    ReviewTaskFactory(
        intent=rejected,
        status="completed",
        resolution="rejected",
        notes="breaks the API",
        completed_at=now,
    )
    ReviewTaskFactory(intent=approved, status="completed", resolution="approved", completed_at=now)
    ReviewTaskFactory(intent=deferred, status="completed", resolution="deferred", completed_at=now)
    ReviewTaskFactory(intent=cancelled, status="cancelled")

    with django_assert_num_queries(1):
        holds = review_holds(["held", "rejected", "approved", "deferred", "cx", "free"])

    assert holds == {
        "held": QueueHold(
            code="review_pending",
            reason="2 review(s) still pending",
            details={"pending_reviews": 2},
        ),
        "rejected": QueueHold(
            code="review_rejected",
            reason="Review rejected: breaks the API",
            details={"notes": "breaks the API"},
            rejects=True,
        ),
        "deferred": QueueHold(
            code="review_deferred", reason="Review deferred", details={"notes": ""}
        ),
    }
    assert free.id not in holds
