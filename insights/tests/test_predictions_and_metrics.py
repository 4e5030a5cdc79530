"""Health prediction reads only recorded snapshots; issue signals compare two 24 h windows;
integration metrics count the whole log."""

from django.utils import timezone

from insights.metrics import integration_metrics
from insights.predictions import health_prediction_read, issue_predictions_read
from ledger.tests.factories import events


def _snapshot(score):
    return {"repo_health_score": score, "entropy_score": 1.0, "conflict_rate": 0.0}


def test_the_prediction_uses_the_snapshots_of_two_horizons(db):
    now = timezone.now()
    events("health.snapshot", [_snapshot(10.0)], hours_ago=24 * 20, now=now)  # too old
    for hours, score in ((72, 80.0), (50, 70.0), (24, 50.0), (1, 40.0)):
        events("health.snapshot", [_snapshot(score)], hours_ago=hours, now=now)
    prediction = health_prediction_read(now=now)
    assert prediction["data_points"] == 4
    assert (prediction["projected_health"], prediction["should_gate"]) == (15.0, True)
    assert prediction["tenant_id"] is None
    short = health_prediction_read(horizon_days=1, now=now)
    assert short["data_points"] == 2 and short["projected_status"] == "unknown"


def test_issue_signals_from_the_two_windows(db):
    now = timezone.now()
    events("simulation.completed", [{"mergeable": False}] * 3 + [{"mergeable": True}], now=now)
    events("simulation.completed", [{"mergeable": True}] * 4, hours_ago=30, now=now)
    events("intent.requeued", [{}] * 6, now=now)
    risky = {"entropy_score": 25.0, "propagation_score": 45.0}
    events("risk.evaluated", [risky] * 3, now=now)
    signals = issue_predictions_read(now=now)
    assert [s["signal"] for s in signals] == [
        "rising_conflict_rate",
        "queue_stalling",
        "bomb.cascade",
        "bomb.thermal_death",
    ]
    assert issue_predictions_read(tenant_id="acme", now=now) == []


def test_integration_metrics_count_everything(db):
    events("simulation.completed", [{"mergeable": True}, {"mergeable": False}])
    events("simulation.completed", [{"mergeable": True}], hours_ago=24 * 400)
    events("intent.merged", [{}, {}])
    events("intent.rejected", [{}])
    events("intent.blocked", [{}], tenant_id="acme")
    metrics = integration_metrics()
    assert {k: v for k, v in metrics.items() if k != "timestamp"} == {
        "total_simulations": 3,
        "mergeable": 2,
        "mergeable_rate": 0.667,
        "total_merged": 2,
        "total_rejected": 1,
        "total_blocked": 1,
        "decision_distribution": {"merged": 2, "rejected": 1, "blocked": 1},
        "tenant_id": None,
    }
    assert integration_metrics(tenant_id="acme")["total_blocked"] == 1
    assert integration_metrics(tenant_id="acme")["mergeable_rate"] == 1.0
