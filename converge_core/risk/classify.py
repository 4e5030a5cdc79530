"""Risk auto-classification (§2) and the downgrade policy (decisions §27)."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum

from converge_core.errors import InvalidInput


class RiskLevel(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"


# lowest first
RISK_LEVELS: tuple[str, ...] = tuple(str(level) for level in RiskLevel)
DEFAULT_THRESHOLDS: Mapping[str, float] = {
    "low": 0.0,
    "medium": 25.0,
    "high": 50.0,
    "critical": 75.0,
}


def _rank(level: str, field: str) -> int:
    if level not in RISK_LEVELS:
        raise InvalidInput(f"Unknown risk level {level!r}", field=field)
    return RISK_LEVELS.index(level)


def _thresholds(custom: Mapping[str, float] | None) -> dict[str, float]:
    """Defaults overlaid with ``custom``; lower bounds must not decrease with the level."""
    merged = dict(DEFAULT_THRESHOLDS)
    if custom:
        unknown = set(custom) - set(RISK_LEVELS)
        if unknown:
            raise InvalidInput(f"Unknown threshold levels: {sorted(unknown)}", field="thresholds")
        for level, bound in custom.items():
            if isinstance(bound, bool) or not isinstance(bound, int | float):
                raise InvalidInput(f"Threshold {level!r} must be a number", field="thresholds")
            merged[level] = float(bound)
    bounds = [merged[level] for level in RISK_LEVELS]
    if bounds != sorted(bounds):
        raise InvalidInput("Thresholds must not decrease from low to critical", field="thresholds")
    return merged


def classify(score: float, thresholds: Mapping[str, float] | None = None) -> str:
    """The level whose inclusive lower bound ``score`` reaches (default 0/25/50/75)."""
    bounds = _thresholds(thresholds)
    for level in reversed(RISK_LEVELS[1:]):
        if score >= bounds[level]:
            return level
    return "low"


def effective_level(declared: str, computed: str, *, allow_downgrade: bool = False) -> str:
    """``computed`` if downgrades are allowed, else the higher of the two levels."""
    declared_rank = _rank(declared, "declared")
    computed_rank = _rank(computed, "computed")
    if allow_downgrade:
        return computed
    return RISK_LEVELS[max(declared_rank, computed_rank)]
