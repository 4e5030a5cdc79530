"""The policy review: the after-decision hook opens one review per critical intent, and the
queue hold keeps a critical intent until a review approves it."""

from dataclasses import replace
from datetime import timedelta

from django.utils import timezone

from converge_core.hooks import Decision, QueueHold
from intents.tests.factories import IntentFactory
from ledger.models import Event
from reviews.holds import review_holds
from reviews.models import ReviewTask
from reviews.policy import policy_review_request
from reviews.services import review_complete
from reviews.tests.factories import ReviewTaskFactory


def _validated(intent_id):
    return Decision(intent_id=intent_id, decision="validated", tenant_id="acme", trace_id="t-1")


def test_a_validated_critical_intent_gets_one_policy_review(db):
    IntentFactory(id="crit", risk_level="critical", priority=3, tenant_id="acme")
    for _ in range(3):
        policy_review_request(_validated("crit"))
    [task] = ReviewTask.objects.filter(intent_id="crit")
    assert (task.trigger, task.priority, task.risk_level, task.status, task.tenant_id) == (
        "policy",
        1,
        "critical",
        "pending",
        "acme",
    )
    assert task.sla_deadline - task.created_at == timedelta(hours=8)
    [event] = Event.objects.filter(event_type="review.requested")
    assert (event.intent_id, event.agent_id, event.payload["trigger"]) == (
        "crit",
        "policy",
        "policy",
    )

    review_complete(task_id=task.id, resolution="approved", actor="alice")
    policy_review_request(_validated("crit"))  # a revalidation after the approval
    assert ReviewTask.objects.filter(intent_id="crit").count() == 1


def test_other_levels_decisions_and_an_open_review_ask_for_nothing(db):
    IntentFactory(id="med", risk_level="high")
    crit = IntentFactory(id="crit", risk_level="critical")
    ReviewTaskFactory(intent=crit, trigger="manual")
    policy_review_request(_validated("med"))
    policy_review_request(_validated("crit"))
    policy_review_request(Decision("crit", "blocked", None, "t-2"))
    policy_review_request(_validated("gone"))
    assert list(ReviewTask.objects.values_list("intent_id", "trigger")) == [("crit", "manual")]


def test_a_decision_that_carries_its_level_is_judged_on_it(db, django_assert_num_queries):
    IntentFactory(id="med", risk_level="medium")
    IntentFactory(id="crit", risk_level="critical")
    with django_assert_num_queries(0):  # a level that needs no approval reads nothing
        policy_review_request(replace(_validated("med"), risk_level="medium"))
    policy_review_request(replace(_validated("crit"), risk_level="critical"))
    assert list(ReviewTask.objects.values_list("intent_id", "trigger")) == [("crit", "policy")]


def test_the_flag_off_opens_no_policy_review(db, monkeypatch):
    monkeypatch.setenv("CONVERGE_FF_REVIEW_TASKS", "0")
    IntentFactory(id="crit", risk_level="critical")
    policy_review_request(_validated("crit"))
    assert not ReviewTask.objects.exists()


def test_critical_intents_are_held_until_approved(db, django_assert_num_queries, monkeypatch):
    none, pending, approved, low = (
        IntentFactory(id=name, risk_level=level)
        for name, level in (
            ("none", "critical"),
            ("pending", "critical"),
            ("approved", "critical"),
            ("low", "low"),
        )
    )
    ReviewTaskFactory(intent=pending, trigger="policy", risk_level="critical")
    ReviewTaskFactory(
        intent=approved, status="completed", resolution="approved", completed_at=timezone.now()
    )
    ReviewTaskFactory(intent=none, status="cancelled")

    with django_assert_num_queries(2):  # the reviews, and the flag (a critical intent is there)
        holds = review_holds(["none", "pending", "approved", "low"])
    assert holds == {
        "none": QueueHold(
            code="review_required",
            reason="A critical intent merges only after an approved review",
            details={"required_trigger": "policy"},
        ),
        "pending": QueueHold(
            code="review_pending",
            reason="1 review(s) still pending",
            details={"pending_reviews": 1},
        ),
    }
    assert low.id not in holds and approved.id not in holds

    monkeypatch.setenv("CONVERGE_FF_REVIEW_TASKS", "0")
    assert set(review_holds(["none", "pending", "approved", "low"])) == {"pending"}
