"""Admission on every creation: pause refuses all but critical, throttle a stable fraction,
open accepts; a refusal stores nothing but its intake event."""

import pytest

from converge_core.intake import rollout_bucket
from intake.services import intake_mode_set
from intake.tests.factories import IntakeOverrideFactory
from intents.errors import IntakeRejected
from intents.models import Intent
from intents.tests.factories import create_intent
from ledger.models import Event


def _intake_events(intent_id):
    return [
        (e.event_type, e.payload["mode"], e.payload["accepted"], e.payload["reason"])
        for e in Event.objects.filter(intent_id=intent_id, event_type__startswith="intake.")
    ]


def test_pause_refuses_a_medium_intent_and_accepts_a_critical_one(cli, repository):
    assert cli("intake", "set-mode", "pause", "--reason", "incident").exit_code == 0

    refused = cli("intent", "create", "--from-branch", "main", "--intent-id", "m-1")
    assert refused.exit_code == 2
    assert refused.stderr == "error: pause mode: only critical-risk intents accepted (got medium)\n"
    assert refused.json == {
        "error": {
            "code": "intake_rejected",
            "message": "pause mode: only critical-risk intents accepted (got medium)",
            "intent_id": "m-1",
            "mode": "pause",
        }
    }
    assert not Intent.objects.filter(pk="m-1").exists()
    assert [e.event_type for e in Event.objects.filter(intent_id="m-1")] == ["intake.rejected"]

    accepted = cli(
        "intent",
        "create",
        "--from-branch",
        "main",
        "--intent-id",
        "c-1",
        "--risk-level",
        "critical",
    )
    assert accepted.exit_code == 0 and accepted.json["status"] == "READY"
    assert _intake_events("c-1") == [
        ("intake.accepted", "pause", True, "pause mode: critical-risk intent accepted")
    ]


def test_throttle_admits_exactly_the_ids_below_the_ratio(repository):
    intake_mode_set(mode="throttle", actor="ops")
    admitted = []
    for n in range(12):
        intent_id = f"t-{n}"
        try:
            create_intent(repository, intent_id)
            admitted.append(intent_id)
        except IntakeRejected as exc:
            assert exc.extra == {"intent_id": intent_id, "mode": "throttle"}
    assert admitted == [f"t-{n}" for n in range(12) if rollout_bucket(f"t-{n}") < 0.5]
    refused = [f"t-{n}" for n in range(12) if f"t-{n}" not in admitted]
    assert refused and set(Intent.objects.values_list("id", flat=True)) == set(admitted)
    event = Event.objects.get(intent_id=refused[0])
    assert event.event_type == "intake.throttled"
    assert event.payload["signals"]["bucket"] == round(rollout_bucket(refused[0]), 4)
    assert event.payload["signals"]["throttle_ratio"] == 0.5


def test_an_accepted_intent_records_its_intake_event_with_the_signals(repository):
    create_intent(repository, "o-1", tenant_id="acme", origin_type="agent")
    event = Event.objects.get(intent_id="o-1", event_type="intake.accepted")
    assert event.tenant_id == "acme"
    assert {
        key: event.payload[key] for key in ("mode", "accepted", "risk_level", "origin_type")
    } == {
        "mode": "open",
        "accepted": True,
        "risk_level": "medium",
        "origin_type": "agent",
    }
    assert event.payload["reason"] == "open mode: accepting all intents"
    assert event.payload["signals"]["health_score"] == 100.0
    assert event.payload["signals"]["auto_mode"] == "open"


def test_a_tenant_override_wins_over_the_override_for_everyone(repository):
    IntakeOverrideFactory(tenant_id="", mode="pause")
    IntakeOverrideFactory(tenant_id="acme", mode="open")
    create_intent(repository, "a-1", tenant_id="acme")
    with pytest.raises(IntakeRejected):
        create_intent(repository, "b-1", tenant_id="beta")
    assert list(Intent.objects.values_list("id", flat=True)) == ["a-1"]


def test_intake_control_off_accepts_everything(repository, monkeypatch):
    IntakeOverrideFactory(tenant_id="", mode="pause")
    monkeypatch.setenv("CONVERGE_FF_INTAKE_CONTROL", "0")
    create_intent(repository, "m-1")
    assert _intake_events("m-1") == [("intake.accepted", "open", True, "intake_control disabled")]
