"""The sweep runs the runbook's escalation table: auto-assign, escalate, throttle intake."""

from datetime import timedelta

import pytest
from django.utils import timezone

from intake.models import IntakeOverride
from intake.services import intake_mode_set
from intents.tests.factories import IntentFactory
from ledger.models import Event
from reviews.models import ReviewTask
from reviews.sweep import review_sweep
from reviews.tests.factories import ReviewTaskFactory


@pytest.fixture
def pool(settings):
    settings.CONVERGE_REVIEW_POOL = "alice,bob,carol"


def _pending(count, hours, **fields):
    created = timezone.now() - timedelta(hours=hours)
    return [ReviewTaskFactory(created_at=created, **fields) for _ in range(count)]


def test_twelve_old_pending_reviews_are_assigned_escalated_and_throttle_intake(db, pool):
    tasks = _pending(11, 5) + _pending(1, 9, risk_level="critical")  # the last is past its SLA

    report = review_sweep()

    assert [entry["reviewer"] for entry in report["assigned"]] == ["alice", "bob", "carol"] * 4
    statuses = dict(ReviewTask.objects.values_list("id", "status"))
    assert statuses[tasks[-1].id] == "escalated"
    assert sum(1 for status in statuses.values() if status == "assigned") == 11
    assert report["escalated"] == [{"task_id": tasks[-1].id, "reason": "sla_breach"}]
    assert report["breaches"] == 1
    assert report["backlog"] == {"": 11}
    assert report["intake"] == [{"tenant_id": None, "mode": "throttle", "backlog": 11}]
    override = IntakeOverride.objects.get(tenant_id="")
    assert (override.mode, override.set_by_sweep, override.set_by) == (
        "throttle",
        True,
        "review-sweep",
    )
    assert override.reason == "review_backlog: 11 pending or assigned reviews > 10"
    types = list(Event.objects.order_by("seq").values_list("event_type", flat=True))
    assert types.count("review.assigned") == 12
    assert types.count("review.sla.breached") == 1 and types.count("review.escalated") == 1
    assert types[-1] == "intake.mode_changed"


def test_assigned_too_long_is_escalated_and_the_backlog_lift_returns_to_auto(db, pool):
    intake_mode_set(mode="throttle", reason="x", actor="ops")
    IntakeOverride.objects.filter(tenant_id="").update(set_by_sweep=True)
    old = timezone.now() - timedelta(hours=9)
    task = ReviewTaskFactory(status="assigned", reviewer="alice", created_at=old)

    report = review_sweep()

    assert report["escalated"] == [{"task_id": task.id, "reason": "assigned_timeout"}]
    assert report["intake"] == [{"tenant_id": None, "mode": "auto", "backlog": 0}]
    assert not IntakeOverride.objects.exists()


def test_the_sweep_never_touches_an_operator_override(db, pool):
    intake_mode_set(mode="open", reason="launch day", actor="ops")
    _pending(12, 1)
    report = review_sweep()
    assert report["intake"] == [] and report["assigned"] == []
    override = IntakeOverride.objects.get(tenant_id="")
    assert (override.mode, override.set_by, override.set_by_sweep) == ("open", "ops", False)


def test_backlogs_are_per_tenant(db, pool):
    acme = IntentFactory(tenant_id="acme")
    for _ in range(11):
        ReviewTaskFactory(intent=acme)
    ReviewTaskFactory(intent=IntentFactory(tenant_id="other"))
    report = review_sweep()
    assert report["backlog"] == {"acme": 11, "other": 1}
    assert list(IntakeOverride.objects.values_list("tenant_id", "mode")) == [("acme", "throttle")]


def test_without_a_pool_nothing_is_assigned(db, settings):
    settings.CONVERGE_REVIEW_POOL = ""
    _pending(2, 5)
    report = review_sweep()
    assert report["pool"] == [] and report["assigned"] == []
    assert set(ReviewTask.objects.values_list("status", flat=True)) == {"pending"}


def test_thresholds_are_configurable(db, pool, settings):
    settings.CONVERGE_REVIEW_ASSIGN_AFTER_HOURS = 1.0
    settings.CONVERGE_REVIEW_BACKLOG_LIMIT = 1
    _pending(2, 2)
    report = review_sweep()
    assert len(report["assigned"]) == 2
    assert report["intake"] == [{"tenant_id": None, "mode": "throttle", "backlog": 2}]
