"""Verification debt: one 0–100 number for the unverified and unprocessed work piled up.

Five weighted parts (staleness 25, queue 20, review backlog 25, conflicts 15, retries 15), each a
ratio capped at 1. ``debt_score`` is the rounded sum of the unrounded parts; every part is
rounded to 1 dp on its own. Bands: green ≤ 30, yellow ≤ 70, red above.

Staleness counts age only: an active intent is stale once it is older than ``stale_hours``
(decisions §13, the runbook's definition). Intents whose checks were not verified (no command
configured, or skipped) are reported in the breakdown as ``unverified_intents`` but not scored:
the shipped ``checks`` map is empty, so scoring them would count every fresh intent of a new
install as stale and throttle its intake after about a dozen intents.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

from converge_core.errors import InvalidInput
from converge_core.health import Band


@dataclass(frozen=True)
class DebtParams:
    stale_hours: float = 24.0
    queue_capacity: int = 50
    review_capacity: int = 10
    conflict_window_hours: float = 24.0
    semantic_saturation: int = 10
    staleness_weight: float = 25.0
    queue_weight: float = 20.0
    review_weight: float = 25.0
    conflict_weight: float = 15.0
    retry_weight: float = 15.0
    green_max: float = 30.0
    yellow_max: float = 70.0

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any]) -> DebtParams:
        """Parameters from settings (``CONVERGE_DEBT``); unknown keys are an error."""
        known = {field.name for field in fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise InvalidInput(f"CONVERGE_DEBT: unknown key(s) {', '.join(unknown)}")
        return cls(**values)


@dataclass(frozen=True)
class DebtInputs:
    """Counts gathered by the caller for one tenant (or all tenants)."""

    active_intents: int
    stale_intents: int
    unverified_intents: int
    retry_intents: int
    backlog_reviews: int
    simulations: int
    unmergeable_simulations: int
    semantic_conflicts: int


def debt_status(score: float, params: DebtParams) -> str:
    if score <= params.green_max:
        return Band.GREEN
    if score <= params.yellow_max:
        return Band.YELLOW
    return Band.RED


def _ratio(numerator: float, denominator: float) -> float:
    return min(1.0, numerator / denominator) if denominator > 0 else 0.0


def compute_debt(inputs: DebtInputs, params: DebtParams) -> dict[str, Any]:
    """The debt snapshot without ``timestamp`` and ``tenant_id`` (the caller adds them)."""
    n = inputs.active_intents
    staleness = _ratio(inputs.stale_intents, n) * params.staleness_weight
    queue = _ratio(n, params.queue_capacity) * params.queue_weight
    review = _ratio(inputs.backlog_reviews, params.review_capacity) * params.review_weight
    merge_rate = _ratio(inputs.unmergeable_simulations, inputs.simulations)
    semantic_rate = _ratio(inputs.semantic_conflicts, params.semantic_saturation)
    conflict_rate = 0.7 * merge_rate + 0.3 * semantic_rate
    conflict = conflict_rate * params.conflict_weight
    retry = _ratio(inputs.retry_intents, n) * params.retry_weight
    score = round(staleness + queue + review + conflict + retry, 1)
    return {
        "debt_score": score,
        "staleness_score": round(staleness, 1),
        "queue_pressure_score": round(queue, 1),
        "review_backlog_score": round(review, 1),
        "conflict_pressure_score": round(conflict, 1),
        "retry_pressure_score": round(retry, 1),
        "breakdown": {
            "stale_intents": inputs.stale_intents,
            "unverified_intents": inputs.unverified_intents,
            "active_intents": n,
            "stale_hours_threshold": params.stale_hours,
            "queue_capacity": params.queue_capacity,
            "pending_reviews": inputs.backlog_reviews,
            "review_capacity": params.review_capacity,
            "conflict_rate": round(conflict_rate, 3),
            "retry_intents": inputs.retry_intents,
            "simulations": inputs.simulations,
            "unmergeable_simulations": inputs.unmergeable_simulations,
            "semantic_conflicts": inputs.semantic_conflicts,
        },
        "status": debt_status(score, params),
    }
