"""``intent status`` shows the intent's open reviews and their hold."""

from reviews.services import review_complete, review_request


def test_intent_status_lists_open_reviews_and_the_hold(cli, repository):
    cli("intent", "create", "--from-branch", "main", "--intent-id", "i-1")
    task = review_request(intent_id="i-1", reviewer="bob", actor="ops")

    shown = cli("intent", "status", "--intent-id", "i-1").json
    assert [review["id"] for review in shown["reviews"]] == [task.id]
    assert shown["review_hold"] == {
        "code": "review_pending",
        "reason": "1 review(s) still pending",
        "rejects": False,
    }

    review_complete(task_id=task.id, resolution="rejected", notes="no tests", actor="bob")
    shown = cli("intent", "status", "--intent-id", "i-1").json
    assert shown["reviews"] == []
    assert shown["review_hold"] == {
        "code": "review_rejected",
        "reason": "Review rejected: no tests",
        "rejects": True,
    }
