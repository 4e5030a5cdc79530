"""Calibration: the reference formulas and the clamped, validated default."""

from __future__ import annotations

import pytest

from converge_core.errors import InvalidInput
from converge_core.policy import (
    PolicyError,
    calibrate,
    calibrate_reference,
    default_policy,
    nearest_rank,
    policy_from_document,
)

EVEN_0_TO_198 = [float(value) for value in range(0, 200, 2)]
SMALL = [30.0, 5.0, 9.0, 11.0, 7.0]


def _budgets(result: dict[str, object]) -> dict[str, float]:
    profiles = result["calibrated_profiles"]
    assert isinstance(profiles, dict)
    return {level: profile["entropy_budget"] for level, profile in profiles.items()}


def test_nearest_rank_without_interpolation() -> None:
    data = sorted(SMALL)

    assert [nearest_rank(data, p) for p in (0.75, 0.90, 0.95)] == [11.0, 30.0, 30.0]
    assert nearest_rank(EVEN_0_TO_198, 0.75) == 150.0


@pytest.mark.parametrize(
    ("values", "budgets"),
    [
        (EVEN_0_TO_198, {"low": 225.0, "medium": 150.0, "high": 180.0, "critical": 152.0}),
        (SMALL, {"low": 16.5, "medium": 11.0, "high": 30.0, "critical": 24.0}),
    ],
)
def test_reference_vectors(values: list[float], budgets: dict[str, float]) -> None:
    result = calibrate_reference(values, default_policy().profiles)

    assert _budgets(result) == budgets
    assert result["data_points"] == len(values)


def test_reference_copies_the_other_keys() -> None:
    profiles = default_policy().profiles

    result = calibrate_reference(SMALL, profiles)

    assert result["calibrated_profiles"]["high"] == {**profiles["high"], "entropy_budget": 30.0}
    assert profiles["high"]["entropy_budget"] == 12.0


def test_reference_without_data_returns_the_profiles_unchanged() -> None:
    profiles = default_policy().profiles

    assert calibrate_reference([], profiles) == {"calibrated_profiles": profiles, "data_points": 0}


def test_clamped_budgets_never_increase() -> None:
    result = calibrate(EVEN_0_TO_198, default_policy().profiles)

    assert _budgets(result) == {"low": 225.0, "medium": 150.0, "high": 150.0, "critical": 150.0}
    assert result["applied"] is True
    assert result["clamped"] == ["high", "critical"]
    assert result["percentiles"] == {"p75": 150.0, "p90": 180.0, "p95": 190.0}
    assert (result["data_points"], result["min_samples"]) == (100, 30)


def test_small_vector_clamped_when_the_minimum_allows_it() -> None:
    result = calibrate(SMALL, default_policy().profiles, min_samples=5)

    assert _budgets(result) == {"low": 16.5, "medium": 11.0, "high": 11.0, "critical": 11.0}
    assert result["clamped"] == ["high", "critical"]


def test_below_min_samples_profiles_are_unchanged() -> None:
    profiles = default_policy().profiles

    result = calibrate(SMALL, profiles)

    assert result == {
        "calibrated_profiles": profiles,
        "data_points": 5,
        "min_samples": 30,
        "applied": False,
        "percentiles": {"p75": 11.0, "p90": 30.0, "p95": 30.0},
        "clamped": [],
    }


def test_no_data_has_no_percentiles() -> None:
    result = calibrate([], default_policy().profiles)

    assert (result["applied"], result["percentiles"], result["data_points"]) == (False, None, 0)


def test_calibrated_profiles_load_as_a_policy() -> None:
    result = calibrate(EVEN_0_TO_198, default_policy().profiles)

    config = policy_from_document({"profiles": result["calibrated_profiles"]})

    assert config.profiles["critical"]["entropy_budget"] == 150.0


def test_non_numeric_values_are_rejected() -> None:
    with pytest.raises(InvalidInput, match="Entropy values must be finite numbers, got nan"):
        calibrate([1.0, float("nan")], default_policy().profiles)


def test_calibration_refuses_profiles_that_break_the_rules() -> None:
    profiles = {**default_policy().profiles, "low": {"containment_min": 0.9}}

    with pytest.raises(PolicyError) as caught:
        calibrate(EVEN_0_TO_198, profiles)

    assert caught.value.problems == [
        "Profile 'medium': containment_min must be >= 0.9 (the 'low' value), got 0.5"
    ]
