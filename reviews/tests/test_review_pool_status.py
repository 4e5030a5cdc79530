"""The doctor's review pool line."""

from reviews.selectors import review_pool_status
from reviews.tests.factories import ReviewTaskFactory


def test_without_a_pool_the_doctor_warns(db, settings):
    settings.CONVERGE_REVIEW_POOL = ""
    assert review_pool_status() == {
        "check": "review_pool",
        "status": "warn",
        "detail": "CONVERGE_REVIEW_POOL is not set: pending reviews are not auto-assigned",
    }


def test_with_a_pool_the_open_load_is_shown(db, settings):
    settings.CONVERGE_REVIEW_POOL = "alice, bob"
    ReviewTaskFactory(status="assigned", reviewer="bob")
    ReviewTaskFactory(status="escalated", reviewer="bob")
    ReviewTaskFactory(status="completed", reviewer="alice", resolution="approved")
    assert review_pool_status() == {
        "check": "review_pool",
        "status": "pass",
        "detail": "2 reviewer(s): alice, bob",
        "open_load": {"alice": 0, "bob": 2},
    }
