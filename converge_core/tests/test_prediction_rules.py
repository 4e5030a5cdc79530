from datetime import UTC, datetime, timedelta

from converge_core.predictions import (
    WindowStats,
    health_prediction,
    issue_predictions,
    snapshot_series,
)


def _snapshots(*scores, entropy=0.0, conflict=0.0):
    return [
        {"repo_health_score": s, "entropy_score": entropy, "conflict_rate": conflict}
        for s in scores
    ]


def test_too_few_snapshots_give_an_unknown_projection():
    assert health_prediction(_snapshots(90, 80), horizon_days=7) == {
        "projected_status": "unknown",
        "confidence": "low",
        "reason": "Not enough data (2 snapshots, need 3+)",
        "recommendation": "Collect more health snapshots before prediction is reliable",
        "should_gate": False,
        "horizon_days": 7,
        "data_points": 2,
    }


def test_a_stable_trajectory():
    prediction = health_prediction(_snapshots(90, 90, 90), horizon_days=7)
    assert prediction["projected_health"] == 90.0
    assert prediction["velocity"] == {"health": 0.0, "entropy": 0.0, "conflict_rate": 0.0}
    assert prediction["signals"] == [] and prediction["should_gate"] is False
    assert prediction["confidence"] == "medium"
    assert prediction["recommendation"] == "System trajectory is stable"


def test_a_falling_trajectory_approaching_red_gates():
    # older half [80, 70], recent half [50, 40]: velocity -30, projected 45 - 30 = 15
    prediction = health_prediction(_snapshots(80, 70, 50, 40), horizon_days=7)
    assert prediction["current_status"] == "yellow"
    assert (prediction["projected_health"], prediction["projected_status"]) == (15.0, "red")
    assert [s["signal"] for s in prediction["signals"]] == [
        "predict.health_falling",
        "predict.approaching_red",
    ]
    assert prediction["signals"][0]["severity"] == "high"
    assert prediction["should_gate"] is True
    assert prediction["recommendation"].startswith("Consider pausing new intents")


def test_rising_entropy_and_conflicts_are_signalled_and_seven_points_are_high_confidence():
    snapshots = [
        {"repo_health_score": 90, "entropy_score": e, "conflict_rate": c}
        for e, c in ((1, 0.0), (1, 0.0), (1, 0.0), (9, 0.2), (9, 0.2), (9, 0.2), (9, 0.2))
    ]
    prediction = health_prediction(snapshots, horizon_days=7)
    assert [s["signal"] for s in prediction["signals"]] == [
        "predict.entropy_rising",
        "predict.conflict_rising",
    ]
    assert prediction["velocity"] == {"health": 0.0, "entropy": 8.0, "conflict_rate": 0.2}
    assert prediction["confidence"] == "high"


def test_issue_signals_in_the_documented_order():
    now = WindowStats(
        simulations=5,
        unmergeable=2,
        evaluations=4,
        avg_entropy=25.0,
        avg_propagation=35.0,
        avg_containment=0.5,
        high_propagation=3,
        requeued=6,
        merged=2,
        rejected=3,
    )
    previous = WindowStats(simulations=5, evaluations=3, avg_entropy=10.0, avg_containment=0.9)
    signals = issue_predictions(now, previous)
    assert [(s["signal"], s["severity"]) for s in signals] == [
        ("rising_conflict_rate", "high"),
        ("entropy_spike", "medium"),
        ("queue_stalling", "high"),
        ("high_rejection_rate", "critical"),
        ("bomb.cascade", "high"),
        ("bomb.spiral", "medium"),
        ("bomb.thermal_death", "critical"),
    ]
    assert signals[0]["recommendation"] == (
        "Consider pausing new intents and resolving current conflicts"
    )


def test_quiet_windows_raise_nothing():
    assert issue_predictions(WindowStats(), WindowStats()) == []
    few = WindowStats(simulations=3, unmergeable=3, rejected=3)
    assert issue_predictions(few, WindowStats()) == []


def test_a_snapshot_series_has_one_value_per_slot_until_the_end():
    start = datetime(2025, 1, 1, tzinfo=UTC)

    def at(minutes):
        return start + timedelta(minutes=minutes)

    points = [(at(-30), {"v": 1}), (at(12), {"v": 2}), (at(20), {"v": 3})]
    series = snapshot_series(points, since=at(0), until=at(25))
    # slots 0, 5, 10 (the value carried into the window), 15, 20, 25
    assert [s["v"] for s in series] == [1, 1, 1, 2, 3, 3]
    assert snapshot_series([], since=at(0), until=at(25)) == []
    # with nothing before the window the series starts at the first snapshot
    assert [s["v"] for s in snapshot_series(points[1:], since=at(0), until=at(25))] == [2, 2, 3]


def test_a_changes_only_series_predicts_like_a_snapshot_every_slot():
    start = datetime(2025, 1, 1, tzinfo=UTC)
    every_slot = [90.0] * 30 + [70.0] * 40 + [55.0] * 20
    changes = [(start, 90.0), (start + timedelta(minutes=150), 70.0)]
    changes.append((start + timedelta(minutes=350), 55.0))
    points = [(when, _snapshots(score)[0]) for when, score in changes]
    series = snapshot_series(points, since=start, until=start + timedelta(minutes=5 * 89))
    assert health_prediction(series, horizon_days=7) == health_prediction(
        _snapshots(*every_slot), horizon_days=7
    )
