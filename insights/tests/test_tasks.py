"""The snapshot task records once per slot, and a failed run leaves its slot to the retry."""

import pytest
from django.core.cache import cache

from insights.tasks import snapshots_record_all_task
from intents.tests.factories import IntentFactory
from ledger.models import Event


@pytest.fixture(autouse=True)
def empty_cache(db):
    cache.clear()


def _snapshots():
    return Event.objects.filter(event_type__in=("health.snapshot", "verification.debt.snapshot"))


def test_one_set_of_snapshots_per_slot(db):
    IntentFactory(tenant_id="acme")
    first = snapshots_record_all_task.delay().get()
    assert [entry["tenant_id"] for entry in first["snapshots"]] == [None, "acme"]
    assert _snapshots().count() == 4
    again = snapshots_record_all_task.delay().get()
    assert again == {"snapshots": [], "skipped": "already recorded in this slot"}
    assert _snapshots().count() == 4


def test_a_failed_run_gives_its_slot_back(db, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr("insights.tasks.snapshots_record_all", broken)
    with pytest.raises(RuntimeError):
        snapshots_record_all_task.delay().get()
    monkeypatch.undo()
    assert snapshots_record_all_task.delay().get()["snapshots"]
    assert _snapshots().count() == 2
