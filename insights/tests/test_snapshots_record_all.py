"""The beat's snapshot job: health and debt for everything and for each active tenant."""

from insights.services import snapshots_record_all
from intents.tests.factories import IntentFactory
from ledger.models import Event


def test_one_health_and_one_debt_snapshot_per_scope(db, monkeypatch):
    IntentFactory(tenant_id="acme")
    IntentFactory(tenant_id="beta")
    IntentFactory(tenant_id="gone", status="MERGED")
    assert snapshots_record_all() == {
        "snapshots": [
            {"tenant_id": None, "health": True, "debt": True},
            {"tenant_id": "acme", "health": True, "debt": True},
            {"tenant_id": "beta", "health": True, "debt": True},
        ],
        "change_snapshots": 0,  # no intent was decided
    }
    scopes = Event.objects.filter(event_type="health.snapshot").values_list("tenant_id", flat=True)
    assert sorted(scopes, key=str) == sorted([None, "acme", "beta"], key=str)
    assert Event.objects.filter(event_type="verification.debt.snapshot").count() == 3
    monkeypatch.setenv("CONVERGE_FF_VERIFICATION_DEBT", "0")
    assert snapshots_record_all()["snapshots"][0] == {
        "tenant_id": None,
        "health": False,  # unchanged since the last one: not recorded again
        "debt": False,  # the flag is off
    }
    assert Event.objects.filter(event_type="health.snapshot").count() == 3
