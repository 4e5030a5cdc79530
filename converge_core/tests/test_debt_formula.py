import pytest

from converge_core.debt import DebtInputs, DebtParams, compute_debt, debt_status
from converge_core.errors import InvalidInput

PARAMS = DebtParams()


def _inputs(**values):
    base = dict(
        active_intents=0,
        stale_intents=0,
        unverified_intents=0,
        retry_intents=0,
        backlog_reviews=0,
        simulations=0,
        unmergeable_simulations=0,
        semantic_conflicts=0,
    )
    return DebtInputs(**{**base, **values})


def test_the_documented_examples():
    both = compute_debt(
        _inputs(simulations=4, unmergeable_simulations=4, semantic_conflicts=5), PARAMS
    )
    assert both["breakdown"]["conflict_rate"] == 0.85
    assert compute_debt(_inputs(active_intents=10), PARAMS)["queue_pressure_score"] == 4.0
    assert compute_debt(_inputs(backlog_reviews=5), PARAMS)["review_backlog_score"] == 12.5
    merges = compute_debt(_inputs(simulations=3, unmergeable_simulations=3), PARAMS)
    assert merges["conflict_pressure_score"] == 10.5
    semantic = compute_debt(_inputs(semantic_conflicts=12), PARAMS)
    assert semantic["conflict_pressure_score"] == 4.5


def test_the_score_sums_unrounded_parts_and_every_field_is_reported():
    snapshot = compute_debt(
        _inputs(active_intents=3, stale_intents=1, retry_intents=1, backlog_reviews=1), PARAMS
    )
    # 8.333… + 1.2 + 2.5 + 0 + 5.0 = 17.033…
    assert snapshot == {
        "debt_score": 17.0,
        "staleness_score": 8.3,
        "queue_pressure_score": 1.2,
        "review_backlog_score": 2.5,
        "conflict_pressure_score": 0.0,
        "retry_pressure_score": 5.0,
        "breakdown": {
            "stale_intents": 1,
            "unverified_intents": 0,
            "active_intents": 3,
            "stale_hours_threshold": 24.0,
            "queue_capacity": 50,
            "pending_reviews": 1,
            "review_capacity": 10,
            "conflict_rate": 0.0,
            "retry_intents": 1,
            "simulations": 0,
            "unmergeable_simulations": 0,
            "semantic_conflicts": 0,
        },
        "status": "green",
    }


def test_unverified_intents_are_reported_but_not_scored():
    # 13 fresh intents whose checks ran nowhere: only the queue part counts (13/50*20 = 5.2).
    snapshot = compute_debt(_inputs(active_intents=13, unverified_intents=13), PARAMS)
    assert (snapshot["debt_score"], snapshot["staleness_score"]) == (5.2, 0.0)
    assert snapshot["breakdown"]["unverified_intents"] == 13
    assert snapshot["breakdown"]["stale_intents"] == 0
    assert snapshot["status"] == "green"


def test_every_part_is_capped_and_the_maximum_is_100():
    full = compute_debt(
        _inputs(
            active_intents=80,
            stale_intents=80,
            retry_intents=80,
            backlog_reviews=30,
            simulations=2,
            unmergeable_simulations=2,
            semantic_conflicts=40,
        ),
        PARAMS,
    )
    assert full["debt_score"] == 100.0 and full["status"] == "red"


def test_bands_are_inclusive_on_the_lower_band():
    assert debt_status(30.0, PARAMS) == "green"
    assert debt_status(30.1, PARAMS) == "yellow"
    assert debt_status(70.0, PARAMS) == "yellow"
    assert debt_status(70.1, PARAMS) == "red"


def test_parameters_come_from_settings_and_unknown_keys_are_refused():
    assert DebtParams.from_mapping({"queue_capacity": 10}).queue_capacity == 10
    with pytest.raises(InvalidInput, match="capacity"):
        DebtParams.from_mapping({"capacity": 10})
