"""The SLA check lists every overdue open task and records each breach once."""

from datetime import timedelta

from django.utils import timezone

from converge_core.audit import format_timestamp
from ledger.models import Event
from reviews.models import ReviewTask
from reviews.services import review_sla_check
from reviews.tests.factories import ReviewTaskFactory


def test_overdue_open_tasks_are_breaches_recorded_once(db):
    now = timezone.now()
    old = now - timedelta(hours=10)
    late = ReviewTaskFactory(risk_level="critical", created_at=old, status="assigned", reviewer="a")
    ReviewTaskFactory(risk_level="critical", created_at=old, status="escalated")
    ReviewTaskFactory(risk_level="medium", created_at=old)  # 48 h: not yet due
    ReviewTaskFactory(
        risk_level="critical", created_at=old, status="completed", resolution="approved"
    )

    result = review_sla_check(now=now, actor="sla")
    breach = {
        "task_id": late.id,
        "intent_id": late.intent_id,
        "reviewer": "a",
        "sla_deadline": format_timestamp(late.sla_deadline),
        "risk_level": "critical",
        "status": "assigned",
        "overdue_since": format_timestamp(late.sla_deadline),
    }
    assert result == {"breaches": [breach], "count": 1, "recorded": 1}
    assert ReviewTask.objects.get(pk=late.id).sla_breached_at == now
    assert ReviewTask.objects.get(pk=late.id).status == "assigned"

    again = review_sla_check(now=now + timedelta(minutes=15), actor="sla")
    assert (again["count"], again["recorded"]) == (1, 0)
    events = Event.objects.filter(event_type="review.sla.breached")
    assert [e.payload for e in events] == [breach]


def test_the_check_is_scoped_to_a_tenant(db):
    old = timezone.now() - timedelta(hours=10)
    ReviewTaskFactory(risk_level="critical", created_at=old, tenant_id="acme")
    ReviewTaskFactory(risk_level="critical", created_at=old, tenant_id="other")
    assert review_sla_check(tenant_id="acme", actor="sla")["count"] == 1
