from intents.models import Intent
from intents.rebuild import intents_rebuild
from intents.services import intent_override_status, intent_reset, intent_transition, intent_update
from intents.tests.factories import create_intent
from intents.tests.tamper import raw_sql


def _lifecycle(repository):
    create_intent(repository, "a", priority=2)
    create_intent(repository, "b", dependencies=["a"])
    intent_transition(
        intent_id="a", to="VALIDATED", cause="validate_ok", event_type="intent.validated"
    )
    intent_transition(
        intent_id="a",
        to="QUEUED",
        cause="queue_revalidate_ok",
        event_type="intent.status_changed",
        payload={"from": "VALIDATED", "to": "QUEUED"},
    )
    intent_transition(
        intent_id="a",
        to="READY",
        cause="merge_failed",
        event_type="intent.merge_failed",
        payload={"error": "x"},
        retries=1,
    )
    intent_update(intent_id="b", changes={"priority": 1, "plan_id": "p"}, actor="ops")
    intent_override_status(intent_id="b", status="REJECTED", actor="root")
    intent_reset(intent_id="b", actor="root", status="READY")
    intent_transition(
        intent_id="a", to="VALIDATED", cause="validate_ok", event_type="intent.validated"
    )
    intent_transition(
        intent_id="a",
        to="MERGED",
        cause="confirm",
        event_type="intent.merged",
        payload={"merged_commit": None},
    )


def test_the_log_rebuilds_the_table_after_a_lifecycle(repository):
    _lifecycle(repository)
    result = intents_rebuild(check=True)
    assert result["matches"] is True and result["intents"] == 2
    assert result["difference_count"] == 0


def test_a_table_edited_behind_the_log_is_reported_and_can_be_rewritten(repository):
    _lifecycle(repository)
    raw_sql("UPDATE intents_intent SET status = 'QUEUED', retries = 7 WHERE id = %s", ["a"])
    check = intents_rebuild(check=True)
    assert check["matches"] is False
    assert check["differences"] == [
        {
            "intent_id": "a",
            "fields": {
                "status": {"log": "MERGED", "table": "QUEUED"},
                "retries": {"log": 1, "table": 7},
            },
        }
    ]
    rebuilt = intents_rebuild(check=False)
    assert rebuilt["rewritten"] == 1
    assert Intent.objects.get(pk="a").status == "MERGED"
    assert intents_rebuild(check=True)["matches"] is True
