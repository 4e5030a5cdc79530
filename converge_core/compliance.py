"""Compliance thresholds and checks (risk-policy §8.6).

Only the canonical threshold names are accepted, each validated; a tenant's stored thresholds
are merged over the defaults. Each failing check becomes an ``SLO breach`` alert.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from converge_core.errors import InvalidInput

DEFAULT_THRESHOLDS: Mapping[str, float | int] = {
    "min_mergeable_rate": 0.80,
    "max_conflict_rate": 0.20,
    "max_retries_total": 200,
    "max_queue_tracked": 1000,
    "max_debt_score": 70.0,
}
_RATES = ("min_mergeable_rate", "max_conflict_rate")
_COUNTS = ("max_retries_total", "max_queue_tracked")

# check name -> (threshold key, operator); evaluated in this order
CHECKS: tuple[tuple[str, str, str], ...] = (
    ("mergeable_rate", "min_mergeable_rate", ">="),
    ("conflict_rate", "max_conflict_rate", "<="),
    ("retries_total", "max_retries_total", "<="),
    ("queue_tracked", "max_queue_tracked", "<="),
    ("debt_score", "max_debt_score", "<="),
)


def validate_thresholds(data: Mapping[str, Any]) -> dict[str, float | int]:
    """Keep the given (non-null) canonical keys, each checked; at least one is required."""
    unknown = sorted(key for key in data if key not in DEFAULT_THRESHOLDS)
    if unknown:
        raise InvalidInput(
            f"Unknown threshold(s) {', '.join(unknown)}: use {', '.join(DEFAULT_THRESHOLDS)}",
            field=unknown[0],
        )
    cleaned: dict[str, float | int] = {}
    for key, value in data.items():
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise InvalidInput(f"{key} must be a number", field=key)
        if key in _RATES and not 0 <= value <= 1:
            raise InvalidInput(f"{key} must be between 0 and 1", field=key)
        if key in _COUNTS:
            if value != int(value) or value < 0:
                raise InvalidInput(f"{key} must be a whole number >= 0", field=key)
            value = int(value)
        if key == "max_debt_score" and not 0 <= value <= 100:
            raise InvalidInput(f"{key} must be between 0 and 100", field=key)
        cleaned[key] = value if key in _COUNTS else float(value)
    if not cleaned:
        raise InvalidInput(f"Give at least one threshold: {', '.join(DEFAULT_THRESHOLDS)}")
    return cleaned


def effective_thresholds(stored: Mapping[str, Any] | None) -> dict[str, float | int]:
    return {**DEFAULT_THRESHOLDS, **(stored or {})}


def compliance_checks(
    values: Mapping[str, float | int | None], thresholds: Mapping[str, float | int]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """``(checks, alerts)``; a value of ``None`` (a disabled measure) is not checked."""
    checks = []
    for name, key, op in CHECKS:
        value = values.get(name)
        if value is None:
            continue
        threshold = thresholds[key]
        passed = value >= threshold if op == ">=" else value <= threshold
        checks.append(
            {"name": name, "value": value, "threshold": threshold, "op": op, "passed": passed}
        )
    alerts = [{"alert": f"SLO breach: {c['name']}", **c} for c in checks if not c["passed"]]
    return checks, alerts
