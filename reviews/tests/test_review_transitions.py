"""Assign, start, complete, cancel, escalate: compare-and-swap with their events; an illegal
move is a 409 that changes nothing."""

import pytest

from converge_core.errors import Conflict, InvalidInput
from ledger.models import Event
from reviews.errors import ReviewNotFound
from reviews.models import ReviewTask
from reviews.services import (
    review_assign,
    review_cancel,
    review_complete,
    review_escalate,
    review_start,
)
from reviews.tests.factories import ReviewTaskFactory


def _last():
    event = Event.objects.order_by("-seq").first()
    return event.event_type, event.payload


def test_assign_then_reassign(db):
    task = ReviewTaskFactory()
    assigned = review_assign(task_id=task.id, reviewer="alice", actor="ops")
    assert (assigned.status, assigned.reviewer) == ("assigned", "alice")
    assert assigned.assigned_at is not None
    assert _last() == (
        "review.assigned",
        {"task_id": task.id, "reviewer": "alice", "old_reviewer": None},
    )
    review_assign(task_id=task.id, reviewer="bob", actor="ops")
    assert _last() == (
        "review.reassigned",
        {"task_id": task.id, "reviewer": "bob", "old_reviewer": "alice"},
    )


def test_start_complete_and_the_completion_event(db):
    task = ReviewTaskFactory(status="assigned", reviewer="alice")
    assert review_start(task_id=task.id, actor="alice").status == "in_review"
    assert _last() == ("review.started", {"task_id": task.id, "reviewer": "alice"})
    done = review_complete(task_id=task.id, resolution="rejected", notes="unsafe", actor="alice")
    assert (done.status, done.resolution, done.notes) == ("completed", "rejected", "unsafe")
    assert done.completed_at is not None
    assert _last() == (
        "review.completed",
        {"task_id": task.id, "reviewer": "alice", "resolution": "rejected", "notes": "unsafe"},
    )


def test_cancel_appends_the_reason_to_the_notes(db):
    task = ReviewTaskFactory(notes="looked at it")
    cancelled = review_cancel(task_id=task.id, reason="duplicate", actor="ops")
    assert (cancelled.status, cancelled.notes) == (
        "cancelled",
        "looked at it\nCancelled: duplicate",
    )
    assert _last() == ("review.cancelled", {"task_id": task.id, "reason": "duplicate"})


def test_escalate_keeps_the_reviewer_and_counts_the_level(db):
    task = ReviewTaskFactory(status="assigned", reviewer="alice")
    escalated = review_escalate(task_id=task.id, reason="manual_escalation", actor="ops")
    assert (escalated.status, escalated.reviewer, escalated.escalation_level) == (
        "escalated",
        "alice",
        1,
    )
    assert escalated.escalated_at is not None
    assert _last() == (
        "review.escalated",
        {"task_id": task.id, "reviewer": "alice", "reason": "manual_escalation"},
    )
    review_assign(task_id=task.id, reviewer="bob", actor="lead")
    assert review_escalate(task_id=task.id, reason="again", actor="ops").escalation_level == 2


@pytest.mark.parametrize(
    ("status", "call"),
    [
        ("completed", lambda t: review_assign(task_id=t, reviewer="x", actor="ops")),
        ("cancelled", lambda t: review_complete(task_id=t, resolution="approved", actor="ops")),
        ("escalated", lambda t: review_escalate(task_id=t, reason="r", actor="ops")),
        ("pending", lambda t: review_start(task_id=t, actor="ops")),
        ("completed", lambda t: review_cancel(task_id=t, actor="ops")),
    ],
)
def test_an_illegal_move_is_a_conflict_and_changes_nothing(db, status, call):
    task = ReviewTaskFactory(
        status=status, resolution="approved" if status == "completed" else None
    )
    before = ReviewTask.objects.filter(pk=task.id).values().get()
    with pytest.raises(Conflict) as raised:
        call(task.id)
    assert raised.value.http_status == 409 and raised.value.exit_code == 2
    assert ReviewTask.objects.filter(pk=task.id).values().get() == before
    assert not Event.objects.exists()


def test_unknown_tasks_bad_resolutions_and_empty_reviewers_are_refused(db):
    with pytest.raises(ReviewNotFound, match="Review task rev-none not found"):
        review_assign(task_id="rev-none", reviewer="x", actor="ops")
    task = ReviewTaskFactory()
    with pytest.raises(InvalidInput, match="Invalid resolution"):
        review_complete(task_id=task.id, resolution="fine", actor="ops")
    with pytest.raises(InvalidInput, match="reviewer is required"):
        review_assign(task_id=task.id, reviewer="  ", actor="ops")
    assert ReviewTask.objects.get(pk=task.id).status == "pending"
    assert not Event.objects.exists()


def test_an_expected_status_guards_against_a_concurrent_change(db):
    task = ReviewTaskFactory(status="assigned", reviewer="alice")
    with pytest.raises(Conflict, match="is assigned, expected pending"):
        review_assign(task_id=task.id, reviewer="bob", actor="sweep", expected=("pending",))
    assert ReviewTask.objects.get(pk=task.id).reviewer == "alice"
