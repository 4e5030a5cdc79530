from datetime import timedelta

from django.utils import timezone

from intents.retention import audit_prune
from intents.services import intent_override_status
from intents.tests.factories import create_intent
from intents.tests.tamper import delete_event, edit_payload
from ledger.append import event_append
from ledger.chain import chain_init, chain_verify
from ledger.models import ChainSeal, Event


def _events(n):
    return [event_append(event_type="worker.heartbeat", payload={"cycle": i}) for i in range(n)]


def test_an_intact_chain_verifies_and_records_the_verification(db):
    _events(5)
    result = chain_verify()
    assert result["valid"] is True and result["event_count"] == 5
    assert result["reseals"] == []
    assert Event.objects.order_by("-seq").first().event_type == "audit.chain.verified"
    assert chain_verify()["valid"] is True  # the verification event chains normally


def test_an_edited_payload_is_named_as_the_first_bad_event(db):
    events = _events(5)
    edit_payload(events[2].id, '{"cycle": 99}')
    result = chain_verify()
    assert result["valid"] is False
    assert result["first_bad"]["id"] == events[2].id
    assert result["first_bad"]["kind"] == "hash"
    assert events[2].id in result["reason"]
    assert Event.objects.order_by("-seq").first().event_type == "audit.chain.tamper_detected"


def test_a_deleted_event_breaks_the_link_of_the_next_one(db):
    events = _events(4)
    delete_event(events[1].id)
    result = chain_verify(record=False)
    assert result["first_bad"]["id"] == events[2].id
    assert result["first_bad"]["kind"] == "link"


def test_a_truncated_tail_is_detected(db):
    events = _events(3)
    delete_event(events[-1].id)
    result = chain_verify(record=False)
    assert result["valid"] is False and result["first_bad"]["kind"] == "tail"


def test_init_chain_on_an_intact_log_only_reports_the_head(db):
    events = _events(2)
    result = chain_init()
    assert result == {
        "initialized": True,
        "already_intact": True,
        "event_count": 2,
        "chain_hash": events[-1].hash,
    }
    assert Event.objects.count() == 2


def test_reseal_makes_verify_pass_but_keeps_the_break_listed(db):
    events = _events(4)
    edit_payload(events[1].id, '{"cycle": 42}')
    result = chain_init()
    assert result["resealed"] is True and result["first_bad_id"] == events[1].id
    resealed = Event.objects.order_by("-seq").first()
    assert resealed.event_type == "audit.chain.resealed"
    assert resealed.payload["first_bad_id"] == events[1].id
    verified = chain_verify()
    assert verified["valid"] is True
    assert [seal["id"] for seal in verified["reseals"]] == [events[1].id]


def test_tampering_again_after_a_reseal_is_detected_again(db):
    events = _events(3)
    edit_payload(events[1].id, '{"cycle": 42}')
    chain_init()
    edit_payload(events[1].id, '{"cycle": 43}')
    result = chain_verify(record=False)
    assert result["valid"] is False and result["first_bad"]["id"] == events[1].id


def test_reseal_of_a_truncated_tail_moves_the_head_back(db):
    events = _events(3)
    delete_event(events[-1].id)
    chain_init()
    assert ChainSeal.objects.get().kind == "tail"
    assert chain_verify()["valid"] is True


def _age_all_events(days):
    from intents.tests.tamper import raw_sql

    raw_sql("UPDATE intents_event SET timestamp = %s", [timezone.now() - timedelta(days=days)])
    # rehash so the aged rows form a valid chain again (the test only wants old events)
    chain_init()


def test_prune_removes_finished_intents_and_the_chain_still_verifies(repository):
    create_intent(repository, "done-1")
    create_intent(repository, "active-1")
    intent_override_status(intent_id="done-1", status="MERGED", actor="root")
    event_append(event_type="worker.heartbeat", payload={"cycle": 1})
    _age_all_events(100)
    event_append(event_type="worker.heartbeat", payload={"cycle": 2})

    dry = audit_prune(retention_days=90, dry_run=True)
    assert dry["dry_run"] is True and dry["pruned"] == 4  # with done-1's intake.accepted
    result = audit_prune(retention_days=90)

    assert result["pruned"] == 4 and result["intents"] == 1
    assert not Event.objects.filter(intent_id="done-1").exists()
    assert Event.objects.filter(intent_id="active-1").count() == 2  # intake + created
    assert Event.objects.filter(event_type__startswith="audit.").count() >= 2
    assert chain_verify()["valid"] is True


def test_prune_keeps_every_event_of_an_intent_with_recent_activity(repository):
    create_intent(repository, "done-1")
    _age_all_events(100)
    intent_override_status(intent_id="done-1", status="REJECTED", actor="root")
    assert audit_prune(retention_days=90, dry_run=True)["pruned"] == 0
