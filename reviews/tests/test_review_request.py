"""Requesting a review: defaults from the intent, SLA by risk, events, no duplicates."""

from datetime import timedelta

import pytest

from converge_core.errors import InvalidInput, NotFound
from intents.tests.factories import IntentFactory
from ledger.models import Event
from reviews.models import ReviewTask
from reviews.serialization import review_serialize
from reviews.services import review_request


def _events(intent_id):
    return [
        (e.event_type, e.payload, e.agent_id, e.tenant_id)
        for e in Event.objects.filter(intent_id=intent_id).order_by("seq")
    ]


def test_a_request_copies_the_intent_and_sets_the_sla(db):
    intent = IntentFactory(id="i-1", risk_level="high", priority=2, tenant_id="acme")
    task = review_request(intent_id="i-1", actor="ops")
    assert task.id.startswith("rev-") and len(task.id) == 16
    assert (task.status, task.reviewer, task.priority, task.risk_level) == (
        "pending",
        None,
        2,
        "high",
    )
    assert (task.trigger, task.tenant_id) == ("manual", "acme")
    assert task.sla_deadline - task.created_at == timedelta(hours=24)
    assert _events(intent.id) == [("review.requested", review_serialize(task), "ops", "acme")]


def test_a_reviewer_given_at_request_assigns_it(db):
    IntentFactory(id="i-1")
    task = review_request(
        intent_id="i-1", reviewer="bob", trigger="policy", priority=1, actor="ops"
    )
    assert (task.status, task.reviewer, task.priority) == ("assigned", "bob", 1)
    assert task.assigned_at == task.created_at
    assert [e[0] for e in _events("i-1")] == ["review.requested", "review.assigned"]
    assert _events("i-1")[1][1] == {"task_id": task.id, "reviewer": "bob"}


def test_an_open_review_of_the_same_trigger_is_reused_unless_forced(db):
    IntentFactory(id="i-1")
    first = review_request(intent_id="i-1", actor="ops")
    assert review_request(intent_id="i-1", actor="ops").id == first.id
    assert review_request(intent_id="i-1", trigger="conflict", actor="ops").id != first.id
    assert review_request(intent_id="i-1", actor="ops", force=True).id != first.id
    assert ReviewTask.objects.count() == 3


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"intent_id": "missing"}, NotFound, "Review request failed: intent missing not found"),
        ({"intent_id": "i-1", "trigger": "whim"}, InvalidInput, "Invalid trigger"),
        ({"intent_id": "i-1", "priority": 9}, InvalidInput, "priority must be"),
    ],
)
def test_a_bad_request_stores_nothing(db, kwargs, error, message):
    IntentFactory(id="i-1")
    with pytest.raises(error, match=message):
        review_request(actor="ops", **kwargs)
    assert not ReviewTask.objects.exists() and not Event.objects.exists()
