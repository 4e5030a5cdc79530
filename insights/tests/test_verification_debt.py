"""Verification debt computed live: every part from real rows and events, tenant scoping,
staleness by age only (unverified checks are counted apart), reads write nothing, the snapshot
service records."""

from datetime import timedelta

import pytest
from django.utils import timezone

from insights.debt import debt_snapshot
from insights.errors import FeatureDisabled
from insights.services import debt_snapshot_record
from intents.tests.factories import IntentFactory
from ledger.models import Event
from ledger.tests.factories import events
from reviews.tests.factories import ReviewTaskFactory
from semantic.models import SemanticConflict


@pytest.fixture
def backlog(db):
    old = timezone.now() - timedelta(hours=30)
    fresh = IntentFactory(tenant_id="acme")
    IntentFactory(tenant_id="acme", created_at=old)
    IntentFactory(tenant_id="acme", unverified_checks=["lint"])  # fresh: unverified, not stale
    IntentFactory(tenant_id="acme", retries=2)
    IntentFactory(tenant_id="acme", status="MERGED", created_at=old, retries=3)  # not active
    IntentFactory(tenant_id="other", created_at=old)
    ReviewTaskFactory(intent=fresh)
    ReviewTaskFactory(intent=fresh, status="assigned", reviewer="bob")
    ReviewTaskFactory(intent=fresh, status="in_review", reviewer="bob")  # not backlog
    events("simulation.completed", [{"mergeable": True}, {"mergeable": False}], tenant_id="acme")
    events("simulation.completed", [{"mergeable": False}], tenant_id="acme", hours_ago=30)
    # semantic conflicts: one open for two days and one found today count, one closed long
    # ago does not, nor another tenant's
    a, b, c = (IntentFactory(tenant_id="acme", status="MERGED", id=f"sem-{n}") for n in "abc")
    conflict = {"model": "m", "score": 0.9, "similarity": 0.9, "target_overlap": 1.0}
    conflict |= {"scope_overlap": 0.0, "target": "main", "mode": "shadow", "tenant_id": "acme"}
    SemanticConflict.objects.create(
        intent_a=a, intent_b=b, detected_at=timezone.now() - timedelta(days=2), **conflict
    )
    SemanticConflict.objects.create(intent_a=b, intent_b=c, status="resolved", **conflict)
    SemanticConflict.objects.create(
        intent_a=a, intent_b=c, status="resolved", detected_at=old - timedelta(days=9), **conflict
    )


def test_each_part_comes_from_the_tenants_rows_and_window(backlog):
    snapshot = debt_snapshot(tenant_id="acme")
    # staleness 1/4*25 = 6.25; queue 4/50*20 = 1.6; reviews 2/10*25 = 5.0;
    # conflicts (0.7*0.5 + 0.3*0.2)*15 = 6.15 (6.1 in floating point);
    # retries 1/4*15 = 3.75  → 22.75
    assert {k: v for k, v in snapshot.items() if k not in ("breakdown", "timestamp")} == {
        "debt_score": 22.8,
        "staleness_score": 6.2,
        "queue_pressure_score": 1.6,
        "review_backlog_score": 5.0,
        "conflict_pressure_score": 6.1,
        "retry_pressure_score": 3.8,
        "status": "green",
        "tenant_id": "acme",
    }
    assert snapshot["breakdown"] == {
        "stale_intents": 1,
        "unverified_intents": 1,
        "active_intents": 4,
        "stale_hours_threshold": 24.0,
        "queue_capacity": 50,
        "pending_reviews": 2,
        "review_capacity": 10,
        "conflict_rate": 0.41,
        "retry_intents": 1,
        "simulations": 2,
        "unmergeable_simulations": 1,
        "semantic_conflicts": 2,
    }


def test_without_a_tenant_everything_counts(backlog):
    assert debt_snapshot()["breakdown"]["active_intents"] == 5


def test_reading_writes_nothing_and_recording_appends_the_snapshot(backlog):
    before = Event.objects.count()
    debt_snapshot(tenant_id="acme")
    assert Event.objects.count() == before
    recorded = debt_snapshot_record(tenant_id="acme")
    event = Event.objects.get(event_type="verification.debt.snapshot")
    assert (event.payload, event.tenant_id) == (recorded, "acme")


def test_the_flag_off_disables_the_debt(db, monkeypatch, cli):
    monkeypatch.setenv("CONVERGE_FF_VERIFICATION_DEBT", "false")
    with pytest.raises(FeatureDisabled, match="Verification debt is disabled"):
        debt_snapshot()
    assert debt_snapshot_record() is None
    result = cli("verification", "debt")
    assert result.exit_code == 2
    assert result.stderr == "error: Verification debt is disabled (flag verification_debt)\n"
    assert result.json["error"]["code"] == "feature_disabled"
    assert not Event.objects.exists()


def test_parameters_come_from_settings(backlog, settings):
    settings.CONVERGE_DEBT = {"queue_capacity": 4, "stale_hours": 48}
    snapshot = debt_snapshot(tenant_id="acme")
    assert snapshot["queue_pressure_score"] == 20.0
    assert snapshot["breakdown"]["stale_intents"] == 0  # 30 h old is not stale at 48 h
    assert snapshot["breakdown"]["unverified_intents"] == 1
