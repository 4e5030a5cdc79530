"""``GET /v1/summary`` carries the repo health through the hook list, before the queue, and
leaves the key out when no hook is configured."""

from conftest import TENANT
from insights.health import repo_health_snapshot
from intents.tests.factories import IntentFactory


def _without_timestamp(snapshot):
    return {key: value for key, value in snapshot.items() if key != "timestamp"}


def test_the_summary_carries_the_tenants_health(db, api_viewer):
    IntentFactory(id="mine", tenant_id=TENANT)
    summary = api_viewer.get("/api/summary").json()
    assert list(summary) == ["health", "queue"]
    assert _without_timestamp(summary["health"]) == _without_timestamp(
        repo_health_snapshot(tenant_id=TENANT)
    )
    assert summary["health"]["active_intents"] == 1


def test_without_a_hook_the_key_is_omitted(db, api_viewer, settings):
    settings.CONVERGE_SUMMARY_SECTIONS = []
    IntentFactory(id="mine", tenant_id=TENANT)
    summary = api_viewer.get("/v1/summary").json()
    assert list(summary) == ["queue"] and summary["queue"]["total"] == 1
