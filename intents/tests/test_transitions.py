import pytest

from converge_core.errors import Conflict, InvalidInput, NotFound
from converge_core.states import Cause
from intents.models import Intent
from intents.services import (
    intent_override_status,
    intent_reset,
    intent_transition,
    intent_update,
)
from intents.tests.factories import create_intent
from ledger.models import Event


def test_a_legal_transition_changes_status_and_appends_its_event(repository):
    create_intent(repository, "t-1")
    intent = intent_transition(
        intent_id="t-1",
        to="VALIDATED",
        cause=Cause.VALIDATE_OK,
        event_type="intent.validated",
        payload={"source": "feature/t-1", "target": "main"},
        trace_id="trace-abc",
    )
    assert intent.status == "VALIDATED"
    event = Event.objects.filter(intent_id="t-1").order_by("-seq").first()
    assert event.event_type == "intent.validated" and event.trace_id == "trace-abc"
    assert event.payload == {"source": "feature/t-1", "target": "main", "status": "VALIDATED"}


def test_an_illegal_transition_changes_nothing(repository):
    create_intent(repository, "t-1")
    with pytest.raises(Conflict, match="READY -> MERGED"):
        intent_transition(
            intent_id="t-1", to="MERGED", cause=Cause.MERGE_OK, event_type="intent.merged"
        )
    assert Intent.objects.get(pk="t-1").status == "READY"
    assert Event.objects.filter(intent_id="t-1").exclude(event_type="intake.accepted").count() == 1


def test_expected_status_is_a_compare_and_swap(repository):
    create_intent(repository, "t-1")
    with pytest.raises(Conflict, match="expected VALIDATED"):
        intent_transition(
            intent_id="t-1",
            to="QUEUED",
            cause=Cause.QUEUE_REVALIDATE_OK,
            event_type="intent.status_changed",
            expected="VALIDATED",
        )


def test_retries_are_recorded_with_the_status(repository):
    create_intent(repository, "t-1")
    intent_transition(
        intent_id="t-1", to="VALIDATED", cause="validate_ok", event_type="intent.validated"
    )
    intent = intent_transition(
        intent_id="t-1",
        to="READY",
        cause="queue_block",
        event_type="intent.requeued",
        payload={"reason": "x"},
        retries=1,
    )
    assert (intent.status, intent.retries) == ("READY", 1)
    assert Event.objects.order_by("-seq").first().payload == {
        "reason": "x",
        "status": "READY",
        "retries": 1,
    }


def test_unknown_intent_is_not_found(db):
    with pytest.raises(NotFound):
        intent_transition(
            intent_id="nope", to="READY", cause="admin_override", event_type="intent.status_changed"
        )


def test_admin_override_leaves_a_terminal_status_and_is_logged_as_such(repository):
    create_intent(repository, "t-1")
    intent_override_status(intent_id="t-1", status="REJECTED", actor="root")
    intent = intent_override_status(intent_id="t-1", status="READY", actor="root", reason="retry")
    assert intent.status == "READY"
    event = Event.objects.order_by("-seq").first()
    assert event.event_type == "intent.status_changed" and event.agent_id == "root"
    assert event.payload["from"] == "REJECTED" and event.payload["to"] == "READY"
    assert event.payload["override"] is True and event.payload["reason"] == "retry"


def test_reset_zeroes_retries_and_may_set_status(repository):
    create_intent(repository, "t-1")
    intent_transition(
        intent_id="t-1", to="VALIDATED", cause="validate_ok", event_type="intent.validated"
    )
    intent_transition(
        intent_id="t-1", to="REJECTED", cause="queue_block", event_type="intent.rejected", retries=3
    )
    intent = intent_reset(intent_id="t-1", actor="root", status="READY")
    assert (intent.status, intent.retries) == ("READY", 0)
    assert Event.objects.order_by("-seq").first().payload["new_status"] == "READY"


def test_update_records_only_the_changed_fields(repository):
    create_intent(repository, "u-1", priority=3)
    intent = intent_update(
        intent_id="u-1", changes={"priority": 1, "plan_id": "plan-z"}, actor="ops"
    )
    assert (intent.priority, intent.plan_id) == (1, "plan-z")
    event = Event.objects.order_by("-seq").first()
    assert event.event_type == "intent.updated"
    assert event.payload["changes"] == {
        "priority": {"from": 3, "to": 1},
        "plan_id": {"from": None, "to": "plan-z"},
    }


def test_update_refuses_a_cycle_and_terminal_intents(repository):
    create_intent(repository, "a", dependencies=["b"])
    create_intent(repository, "b")
    with pytest.raises(InvalidInput, match="Dependency cycle: b → a → b"):
        intent_update(intent_id="b", changes={"dependencies": ["a"]}, actor="ops")
    intent_override_status(intent_id="a", status="MERGED", actor="root")
    with pytest.raises(Conflict, match="only active intents"):
        intent_update(intent_id="a", changes={"priority": 1}, actor="ops")
