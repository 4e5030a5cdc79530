"""The beat records a health or debt snapshot only when its value changed since the last one
of its scope; an operator's ``--record`` always appends one."""

from insights.services import health_snapshot_record, snapshots_record_all
from intents.tests.factories import IntentFactory
from ledger.models import Event


def _count(event_type, tenant_id="any"):
    events = Event.objects.filter(event_type=event_type)
    if tenant_id != "any":
        events = events.filter(tenant_id=tenant_id)
    return events.count()


def test_an_unchanged_value_is_not_recorded_again(db):
    IntentFactory(tenant_id="acme")
    snapshots_record_all()
    recorded = Event.objects.count()

    for _ in range(5):
        again = snapshots_record_all()

    assert Event.objects.count() == recorded
    assert again["snapshots"] == [
        {"tenant_id": None, "health": False, "debt": False},
        {"tenant_id": "acme", "health": False, "debt": False},
    ]


def test_a_change_is_recorded_for_the_scopes_it_changes(db):
    IntentFactory(tenant_id="acme")
    IntentFactory(tenant_id="beta")
    snapshots_record_all()

    IntentFactory(tenant_id="acme")  # one more active intent: everything and acme change
    outcome = snapshots_record_all()

    assert outcome["snapshots"] == [
        {"tenant_id": None, "health": True, "debt": True},
        {"tenant_id": "acme", "health": True, "debt": True},
        {"tenant_id": "beta", "health": False, "debt": False},
    ]
    assert (_count("health.snapshot", None), _count("health.snapshot", "beta")) == (2, 1)
    latest = Event.objects.filter(event_type="health.snapshot", tenant_id="acme").first()
    assert latest.payload["active_intents"] == 2


def test_an_operators_record_always_appends(db):
    IntentFactory(tenant_id="acme")
    health_snapshot_record(tenant_id="acme")
    health_snapshot_record(tenant_id="acme")
    assert _count("health.snapshot", "acme") == 2
