"""Health prediction reads only recorded snapshots, each holding until the next; issue signals
compare two 24 h windows; integration metrics count the whole log."""

from django.utils import timezone

from insights.metrics import integration_metrics
from insights.predictions import health_prediction_read, issue_predictions_read
from ledger.tests.factories import events


def _snapshot(score):
    return {"repo_health_score": score, "entropy_score": 1.0, "conflict_rate": 0.0}


def test_the_prediction_reads_each_snapshot_as_holding_until_the_next(db):
    """The beat records a snapshot only when the value changed: each one stands for every
    5-minute slot until the next, the last one before the window for the window's start."""
    now = timezone.now()
    events("health.snapshot", [_snapshot(10.0)], hours_ago=100, now=now)  # superseded
    for hours, score in ((72, 90.0), (36, 70.0), (12, 45.0)):
        events("health.snapshot", [_snapshot(score)], hours_ago=hours, now=now)

    prediction = health_prediction_read(horizon_days=1, now=now)  # the last 48 hours

    # 577 slots: 144 at 90 (48 h to 36 h ago), 288 at 70, 145 at 45 (the last 12 hours).
    assert prediction["data_points"] == 577
    assert prediction["current_health"] == 45.0
    # older half 80.0, recent half 16605 / 289 = 57.46: projected 57.46 - 22.54 = 34.9.
    assert (prediction["projected_health"], prediction["should_gate"]) == (34.9, True)
    assert prediction["tenant_id"] is None


def test_a_prediction_needs_three_slots_of_snapshots(db):
    now = timezone.now()
    assert health_prediction_read(now=now)["data_points"] == 0
    events("health.snapshot", [_snapshot(80.0)], hours_ago=0.1, now=now)  # 6 minutes ago
    short = health_prediction_read(now=now)
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
