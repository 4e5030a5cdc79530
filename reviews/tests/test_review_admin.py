"""The console lists reviews by status and SLA; its actions call the services."""

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from ledger.models import Event
from reviews.models import ReviewTask
from reviews.tests.factories import ReviewTaskFactory


def _changelist():
    return reverse("admin:reviews_reviewtask_changelist")


def test_lists_filter_by_status_and_sla(admin_client, db):
    late = ReviewTaskFactory(risk_level="critical", created_at=timezone.now() - timedelta(hours=9))
    fresh = ReviewTaskFactory()
    done = ReviewTaskFactory(status="completed", resolution="approved")
    response = admin_client.get(_changelist(), {"sla": "overdue"})
    assert response.status_code == 200
    shown = {task.id for task in response.context["cl"].result_list}
    assert shown == {late.id}
    response = admin_client.get(_changelist(), {"status__exact": "completed"})
    assert {task.id for task in response.context["cl"].result_list} == {done.id}
    response = admin_client.get(_changelist(), {"sla": "ok"})
    assert {task.id for task in response.context["cl"].result_list} == {fresh.id}


def _act(admin_client, action, ids, **fields):
    return admin_client.post(
        _changelist(),
        {"action": action, "_selected_action": ids, **fields},
        follow=True,
    )


def test_assign_complete_escalate_and_cancel_actions(admin_client, db):
    a, b, c = ReviewTaskFactory(), ReviewTaskFactory(), ReviewTaskFactory()
    response = _act(admin_client, "assign", [a.id, b.id], reviewer="alice")
    assert b"Assigned 2 review(s)." in response.content
    _act(admin_client, "complete", [a.id], resolution="approved", note="lgtm")
    _act(admin_client, "escalate", [b.id], note="stuck")
    asked = _act(admin_client, "cancel", [c.id])
    assert b'name="reason"' in asked.content
    _act(admin_client, "cancel", [c.id], confirmed="yes", reason="duplicate")
    tasks = {task.id: task for task in ReviewTask.objects.all()}
    assert (tasks[a.id].status, tasks[a.id].resolution, tasks[a.id].notes) == (
        "completed",
        "approved",
        "lgtm",
    )
    assert (tasks[b.id].status, tasks[b.id].reviewer) == ("escalated", "alice")
    assert (tasks[c.id].status, tasks[c.id].notes) == ("cancelled", "Cancelled: duplicate")
    assert (tasks[a.id].decided_by, tasks[c.id].decided_by) == ("admin:admin", "admin:admin")
    escalated = Event.objects.get(event_type="review.escalated")
    assert escalated.payload["reason"] == "stuck" and escalated.agent_id == "admin:admin"


def test_refusals_are_reported_and_change_nothing(admin_client, db):
    done = ReviewTaskFactory(status="completed", resolution="approved")
    pending = ReviewTaskFactory()
    response = _act(admin_client, "assign", [pending.id])
    assert b"Give a reviewer to assign to." in response.content
    response = _act(admin_client, "complete", [pending.id])
    assert b"Choose a resolution to complete with." in response.content
    response = _act(admin_client, "escalate", [done.id])
    assert b"Cannot escalate a review that is completed" in response.content
    assert ReviewTask.objects.get(pk=pending.id).status == "pending"
    assert not Event.objects.exists()
