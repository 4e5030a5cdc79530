"""Entropy-budget calibration (risk-policy §5).

The caller chooses the data (per tenant, the latest ``entropy_score`` of each intent, so
re-validations are not counted twice) and adds ``timestamp`` and ``output_path``.
Percentiles are nearest-rank without interpolation, ``value[int(n * p)]`` over the ascending
values, and budgets are rounded with Python's ``round`` to 1 dp, so results are reproducible.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from itertools import pairwise
from typing import Any

from converge_core.errors import InvalidInput
from converge_core.policy.defaults import LEVELS
from converge_core.policy.validation import PolicyError, is_number, validate_profiles

Profiles = Mapping[str, Mapping[str, Any]]


def nearest_rank(sorted_values: list[float], fraction: float) -> float:
    """``sorted_values[int(n * fraction)]``; the list must be non-empty and ascending."""
    return sorted_values[int(len(sorted_values) * fraction)]


def _ascending(values: Iterable[float]) -> list[float]:
    data = list(values)
    bad = [value for value in data if not is_number(value)]
    if bad:
        raise InvalidInput(f"Entropy values must be finite numbers, got {bad[0]!r}")
    return sorted(float(value) for value in data)


def _percentiles(data: list[float]) -> dict[str, float]:
    return {
        "p75": nearest_rank(data, 0.75),
        "p90": nearest_rank(data, 0.90),
        "p95": nearest_rank(data, 0.95),
    }


def _reference_budgets(percentiles: Mapping[str, float]) -> dict[str, float]:
    return {
        "low": round(max(1.5 * percentiles["p75"], 10.0), 1),
        "medium": round(max(percentiles["p75"], 8.0), 1),
        "high": round(max(percentiles["p90"], 5.0), 1),
        "critical": round(max(0.8 * percentiles["p95"], 3.0), 1),
    }


def _with_budgets(profiles: Profiles, budgets: Mapping[str, float]) -> dict[str, dict[str, Any]]:
    calibrated = {level: copy.deepcopy(dict(profile)) for level, profile in profiles.items()}
    for level, budget in budgets.items():
        calibrated.setdefault(level, {})["entropy_budget"] = budget
    return calibrated


def calibrate_reference(values: Iterable[float], profiles: Profiles) -> dict[str, Any]:
    """The reference formulas, unclamped: ``high`` comes out looser than ``medium`` whenever
    P90 > P75 (§5 note 1). Kept for comparison and for the spec's vectors."""
    data = _ascending(values)
    if not data:
        return {"calibrated_profiles": _with_budgets(profiles, {}), "data_points": 0}
    budgets = _reference_budgets(_percentiles(data))
    return {"calibrated_profiles": _with_budgets(profiles, budgets), "data_points": len(data)}


def calibrate(
    values: Iterable[float], profiles: Profiles, *, min_samples: int = 30
) -> dict[str, Any]:
    """Calibrated profiles whose budgets never increase from ``low`` to ``critical``.

    Below ``min_samples`` values the profiles come back unchanged (``applied`` false). Each
    level's reference budget is clamped to the previous level's; ``clamped`` names the levels
    that were lowered. The result passes the config validation rules or ``PolicyError`` is
    raised (it can only fail when the given profiles were already invalid).
    """
    data = _ascending(values)
    result: dict[str, Any] = {
        "calibrated_profiles": _with_budgets(profiles, {}),
        "data_points": len(data),
        "min_samples": min_samples,
        "applied": False,
        "percentiles": _percentiles(data) if data else None,
        "clamped": [],
    }
    if not data or len(data) < min_samples:
        return result
    budgets = _reference_budgets(result["percentiles"])
    for lower, upper in pairwise(LEVELS):
        if budgets[upper] > budgets[lower]:
            budgets[upper] = budgets[lower]
            result["clamped"].append(upper)
    calibrated = _with_budgets(profiles, budgets)
    problems = validate_profiles(calibrated)
    if problems:
        raise PolicyError(problems, source="calibrated profiles")
    result.update(calibrated_profiles=calibrated, applied=True)
    return result
