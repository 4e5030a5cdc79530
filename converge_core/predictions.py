"""Health prediction from scheduled snapshots and issue signals from two 24-hour windows
(risk-policy §8.4, §8.5).

The projection is one period ahead: the mean of the recent half of the snapshots plus the
difference between the recent and the older half. ``horizon_days`` sizes the input window
(2 × horizon days of snapshots); it does not stretch the projection.

The beat records a snapshot only when its value changed (decisions §39), so a slot without one
means "unchanged": ``snapshot_series`` turns the recorded snapshots back into one value per
slot before the projection reads them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from statistics import fmean
from typing import Any

from converge_core.health import Band, health_status
from converge_core.semantic import ESCALATE_COUNT

# The beat's snapshot cadence (``operations-snapshots``): one slot per 5 minutes.
SNAPSHOT_SLOT_SECONDS = 300
STABLE = "System trajectory is stable"
DEGRADING = "Consider pausing new intents — health trajectory indicates degradation"


def _signal(signal: str, severity: str, message: str, recommendation: str) -> dict[str, str]:
    return {
        "signal": signal,
        "severity": severity,
        "message": message,
        "recommendation": recommendation,
    }


def snapshot_series(
    points: Sequence[tuple[datetime, Mapping[str, Any]]],
    *,
    since: datetime,
    until: datetime,
    slot_seconds: int = SNAPSHOT_SLOT_SECONDS,
) -> list[Mapping[str, Any]]:
    """One snapshot per slot from the first one (or ``since``) to ``until``, oldest first.

    ``points`` are the recorded ``(timestamp, payload)`` pairs in time order; the first may
    lie before ``since`` (the value the window starts with). Each snapshot holds until the
    next one is recorded.
    """
    if not points:
        return []
    step = timedelta(seconds=slot_seconds)
    slot = max(points[0][0], since)
    series: list[Mapping[str, Any]] = []
    current = -1
    while slot <= until:
        while current + 1 < len(points) and points[current + 1][0] <= slot:
            current += 1
        series.append(points[current][1])
        slot += step
    return series


def _velocity(series: Sequence[float]) -> float:
    split = len(series) // 2
    older, recent = (series, series) if split == 0 else (series[:split], series[split:])
    return fmean(recent) - fmean(older)


def health_prediction(
    snapshots: Sequence[Mapping[str, Any]], *, horizon_days: int, min_snapshots: int = 3
) -> dict[str, Any]:
    """Project repo health from ``health.snapshot`` payloads, oldest first."""
    count = len(snapshots)
    if count < min_snapshots:
        return {
            "projected_status": "unknown",
            "confidence": "low",
            "reason": f"Not enough data ({count} snapshots, need {min_snapshots}+)",
            "recommendation": "Collect more health snapshots before prediction is reliable",
            "should_gate": False,
            "horizon_days": horizon_days,
            "data_points": count,
        }
    health = [float(s.get("repo_health_score", 0.0)) for s in snapshots]
    entropy = [float(s.get("entropy_score", 0.0)) for s in snapshots]
    conflict = [float(s.get("conflict_rate", 0.0)) for s in snapshots]
    velocity = {
        "health": _velocity(health),
        "entropy": _velocity(entropy),
        "conflict_rate": _velocity(conflict),
    }
    split = count // 2
    recent = health[split:] if split else health
    projected = round(min(100.0, max(0.0, fmean(recent) + velocity["health"])), 1)
    current = health[-1]
    current_status, projected_status = health_status(current), health_status(projected)

    signals = []
    if velocity["health"] < -5:
        signals.append(
            _signal(
                "predict.health_falling",
                "high" if velocity["health"] < -10 else "medium",
                f"Health is falling ({velocity['health']:.2f} per period)",
                "Investigate recent rejections and conflicts",
            )
        )
    if velocity["entropy"] > 3:
        signals.append(
            _signal(
                "predict.entropy_rising",
                "high" if velocity["entropy"] > 5 else "medium",
                f"Entropy is rising ({velocity['entropy']:+.2f} per period)",
                "Split large intents into smaller focused changes",
            )
        )
    if velocity["conflict_rate"] > 0.05:
        signals.append(
            _signal(
                "predict.conflict_rising",
                "medium",
                f"Conflict rate is rising ({velocity['conflict_rate']:+.4f} per period)",
                "Resolve conflicts before admitting more intents",
            )
        )
    should_gate = projected_status == Band.RED and current_status != Band.RED
    if should_gate:
        signals.append(
            _signal(
                "predict.approaching_red",
                "critical",
                f"Health is projected to reach red ({projected})",
                DEGRADING,
            )
        )
    return {
        "current_status": current_status,
        "current_health": current,
        "projected_status": projected_status,
        "projected_health": projected,
        "horizon_days": horizon_days,
        "velocity": {
            "health": round(velocity["health"], 2),
            "entropy": round(velocity["entropy"], 2),
            "conflict_rate": round(velocity["conflict_rate"], 4),
        },
        "signals": signals,
        "should_gate": should_gate,
        "confidence": "high" if count >= 7 else "medium",
        "recommendation": DEGRADING if signals else STABLE,
        "data_points": count,
    }


@dataclass(frozen=True)
class WindowStats:
    """Aggregates of one 24-hour window; empty averages are 0, missing containment 1.0."""

    simulations: int = 0
    unmergeable: int = 0
    evaluations: int = 0
    avg_entropy: float = 0.0
    avg_propagation: float = 0.0
    avg_containment: float = 0.0
    high_propagation: int = 0
    requeued: int = 0
    merged: int = 0
    rejected: int = 0
    overdue_semantic_conflicts: int = 0  # open for over 24 h at the window's end

    @property
    def conflict_rate(self) -> float:
        return self.unmergeable / self.simulations if self.simulations else 0.0


def issue_predictions(now: WindowStats, previous: WindowStats) -> list[dict[str, str]]:
    """The issue signals, in the documented order."""
    signals = []
    if now.conflict_rate > previous.conflict_rate + 0.1 and now.simulations > 3:
        signals.append(
            _signal(
                "rising_conflict_rate",
                "high",
                f"Conflict rate rose from {previous.conflict_rate:.2f} "
                f"to {now.conflict_rate:.2f} in 24 h",
                "Consider pausing new intents and resolving current conflicts",
            )
        )
    if (
        now.avg_entropy > 1.2 * previous.avg_entropy
        and now.avg_entropy > 15
        and now.evaluations > 3
    ):
        signals.append(
            _signal(
                "entropy_spike",
                "medium",
                f"Average entropy rose from {previous.avg_entropy:.1f} to {now.avg_entropy:.1f}",
                "Review recent intents for large or high-risk changes",
            )
        )
    if now.requeued > 5:
        signals.append(
            _signal(
                "queue_stalling",
                "high",
                f"{now.requeued} intents were requeued in 24 h",
                "Check for systemic merge conflicts or failing checks",
            )
        )
    decisions = now.rejected + now.merged
    if decisions > 3 and now.rejected / decisions > 0.4:
        signals.append(
            _signal(
                "high_rejection_rate",
                "critical",
                f"{now.rejected} of {decisions} decisions in 24 h were rejections",
                "Review policy thresholds or source branch quality",
            )
        )
    if now.high_propagation >= 3:
        signals.append(
            _signal(
                "bomb.cascade",
                "high",
                f"{now.high_propagation} evaluations in 24 h had propagation above 40",
                "Multiple high-blast-radius changes detected — risk of cascade failures",
            )
        )
    if (
        now.evaluations >= 3
        and previous.evaluations >= 3
        and now.avg_containment < previous.avg_containment - 0.1
        and now.avg_containment < 0.6
    ):
        signals.append(
            _signal(
                "bomb.spiral",
                "medium",
                f"Containment fell from {previous.avg_containment:.2f} "
                f"to {now.avg_containment:.2f}",
                "Increasing cross-boundary coupling detected — enforce scope limits",
            )
        )
    if now.overdue_semantic_conflicts > ESCALATE_COUNT:
        signals.append(
            _signal(
                "semantic_conflicts_unresolved",
                "high",
                f"{now.overdue_semantic_conflicts} semantic conflicts unresolved for over 24 h",
                "Triage them: resolve with a reason, or reject one intent of each pair",
            )
        )
    if now.avg_entropy > 20 and now.conflict_rate > 0.2 and now.avg_propagation > 30:
        signals.append(
            _signal(
                "bomb.thermal_death",
                "critical",
                "Entropy, conflicts and propagation are all high",
                "Halt new intents — system entropy is approaching critical levels",
            )
        )
    return signals
