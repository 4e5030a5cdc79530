"""``health``, ``compliance``, ``predictions``, ``metrics`` and ``verification debt --record``
through the CLI."""

from intents.tests.factories import IntentFactory
from ledger.models import Event
from ledger.tests.factories import events


def test_health_subcommands(cli, db):
    IntentFactory(id="i-1", tenant_id="acme")
    events(
        "risk.evaluated",
        [{"risk_score": 20.0, "entropy_score": 4.0}],
        intent_id="i-1",
        tenant_id="acme",
    )
    now = cli("health", "now", "--tenant-id", "acme").json
    assert (now["repo_health_score"], now["tenant_id"]) == (98.0, "acme")
    assert not Event.objects.filter(event_type="health.snapshot").exists()
    recorded = cli("health", "now", "--tenant-id", "acme", "--record").json
    assert cli("health", "trend", "--tenant-id", "acme").json == [recorded]
    change = cli("health", "change", "--intent-id", "i-1").json
    assert (change["health_score"], change["status"]) == (88.8, "green")
    assert cli("health", "change-trend", "--days", "7").json == []
    entropy = cli("health", "entropy").json
    assert [(row["intent_id"], row["entropy_score"]) for row in entropy] == [("i-1", 4.0)]
    predicted = cli("health", "predict", "--horizon-days", "3").json
    assert (predicted["projected_status"], predicted["data_points"]) == ("unknown", 1)
    assert cli("health", "trend", "--days", "0").exit_code == 2
    assert cli("health", "change", "--intent-id", "nope").exit_code == 2


def test_compliance_subcommands_and_fail_on_alert(cli, db, settings):
    settings.CONVERGE_ACTOR = "ops"
    IntentFactory(tenant_id="acme")
    IntentFactory(tenant_id="acme")
    assert cli("compliance", "report", "--tenant-id", "acme").json["passed"] is True
    stored = cli("compliance", "threshold-set", "--tenant-id", "acme", "--max-queue-tracked", "1")
    assert stored.json == {"ok": True, "tenant_id": "acme"}
    assert cli("compliance", "threshold-get", "--tenant-id", "acme").json == {
        "max_queue_tracked": 1,
        "tenant_id": "acme",
    }
    assert cli("compliance", "threshold-list").json == [
        {"max_queue_tracked": 1, "tenant_id": "acme"}
    ]
    alerts = cli("compliance", "alerts", "--tenant-id", "acme")
    assert alerts.exit_code == 0
    assert [a["alert"] for a in alerts.json["alerts"]] == ["SLO breach: queue_tracked"]
    failing = cli("compliance", "alerts", "--tenant-id", "acme", "--fail-on-alert")
    assert failing.exit_code == 3 and failing.json["passed"] is False
    assert cli("compliance", "alerts", "--fail-on-alert").exit_code == 0
    bad = cli("compliance", "threshold-set", "--tenant-id", "acme", "--max-conflict-rate", "2")
    assert bad.exit_code == 2 and bad.stderr == "error: max_conflict_rate must be between 0 and 1\n"
    assert cli("compliance", "threshold-set", "--tenant-id", "acme").exit_code == 2


def test_predictions_metrics_and_recording_the_debt(cli, db):
    events("intent.requeued", [{}] * 6)
    assert [s["signal"] for s in cli("predictions").json] == ["queue_stalling"]
    assert cli("predictions", "--tenant-id", "acme").json == []
    assert cli("metrics").json["total_simulations"] == 0
    recorded = cli("verification", "debt", "--record").json
    assert Event.objects.get(event_type="verification.debt.snapshot").payload == recorded
