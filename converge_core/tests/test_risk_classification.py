"""Risk auto-classification (risk-policy §2) and the downgrade policy (decisions §27)."""

from __future__ import annotations

import pytest

from converge_core.errors import InvalidInput
from converge_core.risk import RISK_LEVELS, classify, effective_level


@pytest.mark.parametrize(
    ("score", "level"),
    [
        (0.0, "low"),
        (24.9, "low"),
        (25.0, "medium"),
        (49.9, "medium"),
        (50.0, "high"),
        (74.9, "high"),
        (75.0, "critical"),
        (100.0, "critical"),
    ],
)
def test_default_thresholds_have_inclusive_lower_bounds(score: float, level: str) -> None:
    assert classify(score) == level


def test_custom_thresholds() -> None:
    custom = {"low": 0, "medium": 10, "high": 20, "critical": 30}
    assert [classify(s, custom) for s in (9.9, 10, 20, 30)] == [
        "low",
        "medium",
        "high",
        "critical",
    ]


def test_partial_thresholds_overlay_the_defaults() -> None:
    assert classify(60.0, {"critical": 60}) == "critical"
    assert classify(59.9, {"critical": 60}) == "high"


@pytest.mark.parametrize(
    "thresholds",
    [
        {"severe": 90},
        {"high": "50"},
        {"high": True},
        {"medium": 60},  # above the default high bound
        {"low": 0, "medium": 50, "high": 40, "critical": 75},
    ],
)
def test_invalid_thresholds_are_rejected(thresholds: dict[str, object]) -> None:
    with pytest.raises(InvalidInput):
        classify(10.0, thresholds)  # type: ignore[arg-type]


@pytest.mark.parametrize("declared", RISK_LEVELS)
@pytest.mark.parametrize("computed", RISK_LEVELS)
def test_effective_level_never_lowers_the_declared_level(declared: str, computed: str) -> None:
    expected = max(declared, computed, key=RISK_LEVELS.index)
    assert effective_level(declared, computed) == expected


def test_effective_level_downgrades_when_allowed() -> None:
    assert effective_level("critical", "low", allow_downgrade=True) == "low"
    assert effective_level("low", "high", allow_downgrade=True) == "high"


@pytest.mark.parametrize(("declared", "computed"), [("urgent", "low"), ("low", "severe")])
def test_effective_level_rejects_unknown_levels(declared: str, computed: str) -> None:
    with pytest.raises(InvalidInput):
        effective_level(declared, computed)
