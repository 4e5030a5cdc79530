"""Repo health, change health, trends and the recorded snapshots, scoped by tenant."""

import pytest
from django.utils import timezone

from converge_core.errors import NotFound
from insights.health import change_health_snapshot, repo_health_snapshot
from insights.services import change_health_snapshot_record, health_snapshot_record
from insights.trends import change_health_trend, entropy_trend, health_trend, risk_trend
from intents.tests.factories import IntentFactory
from ledger.models import Event
from ledger.tests.factories import events


def test_repo_health_over_the_last_24_hours(db):
    IntentFactory(tenant_id="acme")
    events(
        "simulation.completed", [{"mergeable": True}] * 3 + [{"mergeable": False}], tenant_id="acme"
    )
    events("simulation.completed", [{"mergeable": False}] * 5, tenant_id="acme", hours_ago=25)
    events("risk.evaluated", [{"entropy_score": 10.0}, {"entropy_score": 30.0}], tenant_id="acme")
    events("intent.merged", [{}], tenant_id="acme")
    events("intent.rejected", [{}, {}], tenant_id="acme")
    events("intent.rejected", [{}] * 9, tenant_id="other")

    snapshot = repo_health_snapshot(tenant_id="acme")
    # 100 - 30*0.25 - 0.5*20 - 1.5*2 = 79.5
    assert {k: v for k, v in snapshot.items() if k not in ("timestamp", "learning")} == {
        "repo_health_score": 79.5,
        "entropy_score": 20.0,
        "mergeable_rate": 0.75,
        "conflict_rate": 0.25,
        "active_intents": 1,
        "merged_last_24h": 1,
        "rejected_last_24h": 2,
        "status": "green",
        "tenant_id": "acme",
    }
    assert [lesson["code"] for lesson in snapshot["learning"]["lessons"]] == [
        "learn.low_mergeable",
        "learn.high_entropy",
    ]
    assert repo_health_snapshot()["rejected_last_24h"] == 11


def test_change_health_reads_the_latest_events_of_the_intent(db):
    IntentFactory(id="i-1", tenant_id="acme")
    events(
        "risk.evaluated", [{"risk_score": 10.0, "entropy_score": 5.0}], intent_id="i-1", hours_ago=2
    )
    events("risk.evaluated", [{"risk_score": 50.0, "entropy_score": 10.0}], intent_id="i-1")
    events("simulation.completed", [{"mergeable": False}], intent_id="i-1")
    events("policy.evaluated", [{"verdict": "BLOCK"}], intent_id="i-1")
    health = change_health_snapshot(intent_id="i-1")
    # 100 - 25 - 3 - 30 = 42
    assert (health["intent_id"], health["health_score"], health["status"]) == (
        "i-1",
        42.0,
        "yellow",
    )
    assert (health["mergeable"], health["policy_verdict"], health["tenant_id"]) == (
        False,
        "BLOCK",
        "acme",
    )
    blank = change_health_snapshot(intent_id=IntentFactory(id="i-2").id)
    assert (blank["health_score"], blank["policy_verdict"]) == (100.0, "unknown")
    with pytest.raises(NotFound):
        change_health_snapshot(intent_id="i-1", tenant_id="other")


def test_trends_are_newest_first_within_their_window(db):
    now = timezone.now()
    for hours, score in ((1, 30.0), (2, 20.0), (24 * 40, 99.0)):
        events(
            "risk.evaluated",
            [{"risk_score": score, "damage_score": 1.0, "entropy_score": 2.0}],
            intent_id="i-1",
            hours_ago=hours,
            now=now,
        )
    assert [row["risk_score"] for row in risk_trend(now=now)] == [30.0, 20.0]
    assert entropy_trend(now=now)[0] == {
        "timestamp": entropy_trend(now=now)[0]["timestamp"],
        "intent_id": "i-1",
        "entropy_score": 2.0,
    }
    assert len(risk_trend(days=60, now=now)) == 3


def test_snapshots_are_recorded_only_by_the_services(db):
    IntentFactory(id="i-1", tenant_id="acme")
    repo_health_snapshot(tenant_id="acme")
    change_health_snapshot(intent_id="i-1")
    assert not Event.objects.exists()
    recorded = health_snapshot_record(tenant_id="acme")
    change = change_health_snapshot_record(intent_id="i-1")
    assert health_trend(tenant_id="acme") == [recorded]
    assert health_trend(tenant_id="other") == []
    assert change_health_trend() == [change]
    assert Event.objects.get(event_type="health.change_snapshot").intent_id == "i-1"


def test_the_sweep_records_one_change_snapshot_per_decided_intent(cli, repository):
    from insights.services import change_health_snapshots_record_pending
    from ledger.append import event_append

    cli("intent", "create", "--from-branch", "main", "--intent-id", "d-1")
    cli("intent", "create", "--from-branch", "main", "--intent-id", "d-2")
    for intent_id, event_type in [
        ("d-1", "intent.validated"),
        ("d-1", "intent.blocked"),
        ("d-2", "intent.dependency_blocked"),
    ]:
        event_append(event_type=event_type, intent_id=intent_id, payload={"reason": "x"})

    assert change_health_snapshots_record_pending() == 1  # d-2 was only held, not decided
    snapshot = Event.objects.get(event_type="health.change_snapshot")
    assert (snapshot.intent_id, snapshot.payload["health_score"]) == ("d-1", 100.0)
    assert change_health_snapshots_record_pending() == 0  # resumes after what it covered
    event_append(event_type="intent.merged", intent_id="d-2", payload={})
    assert change_health_snapshots_record_pending() == 1
