"""Repo health and change health with their lessons (risk-policy §8.1, §8.2, §8.7).

The callers gather counts and payloads over their window; these functions only compute, so a
read never writes and every formula is tested without a database.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

REPO_TARGETS = {
    "mergeable_rate": 0.85,
    "avg_entropy": 15.0,
    "rejected_count": 3,
    "health_score": 70.0,
}
CHANGE_TARGETS = {"mergeable": 1.0, "risk_score": 40.0, "entropy_score": 20.0}


class Band(StrEnum):
    """The status of a health or debt score."""

    GREEN = "green"
    YELLOW = "yellow"
    RED = "red"


BANDS: tuple[str, ...] = tuple(str(band) for band in Band)


def health_status(score: float) -> str:
    """green ≥ 70, yellow ≥ 40, otherwise red."""
    if score >= 70:
        return Band.GREEN
    if score >= 40:
        return Band.YELLOW
    return Band.RED


def learning_level(score: float) -> str:
    if score >= 70:
        return "strong"
    if score >= 40:
        return "acceptable"
    return "fragile"


def lesson(
    code: str,
    title: str,
    why: str,
    action: str,
    priority: int,
    metric: str,
    observed: float,
    target: float,
) -> dict[str, Any]:
    return {
        "code": code,
        "title": title,
        "why": why,
        "action": action,
        "priority": priority,
        "metric": {"name": metric, "observed": round(observed, 3), "target": round(target, 3)},
    }


def learning(summary: str, level: str, lessons: list[dict[str, Any]]) -> dict[str, Any]:
    """``{summary, level, lessons (stable-sorted by priority), next_actions (first 3)}``."""
    ordered = sorted(lessons, key=lambda item: item["priority"])
    return {
        "summary": summary,
        "level": level,
        "lessons": ordered,
        "next_actions": [item["action"] for item in ordered[:3]],
    }


@dataclass(frozen=True)
class RepoHealthInputs:
    """Counts over the window (24 h); ``active_intents`` is counted without a window."""

    simulations: int
    mergeable_simulations: int
    merged: int
    rejected: int
    avg_entropy: float
    active_intents: int


def repo_health(inputs: RepoHealthInputs) -> dict[str, Any]:
    """The health snapshot without ``timestamp`` and ``tenant_id``."""
    mergeable_rate = (
        inputs.mergeable_simulations / inputs.simulations if inputs.simulations else 1.0
    )
    conflict_rate = 1.0 - mergeable_rate
    score = max(
        0.0,
        round(
            100
            - 30 * conflict_rate
            - 0.5 * min(inputs.avg_entropy, 50)
            - 1.5 * min(inputs.rejected, 20),
            1,
        ),
    )
    return {
        "repo_health_score": score,
        "entropy_score": round(inputs.avg_entropy, 1),
        "mergeable_rate": round(mergeable_rate, 3),
        "conflict_rate": round(conflict_rate, 3),
        "active_intents": inputs.active_intents,
        "merged_last_24h": inputs.merged,
        "rejected_last_24h": inputs.rejected,
        "status": health_status(score),
        "learning": repo_learning(score, mergeable_rate, inputs.avg_entropy, inputs.rejected),
    }


def repo_learning(
    score: float, mergeable_rate: float, avg_entropy: float, rejected: int
) -> dict[str, Any]:
    lessons = []
    if mergeable_rate < REPO_TARGETS["mergeable_rate"]:
        lessons.append(
            lesson(
                "learn.low_mergeable",
                "Too many merge conflicts",
                "Fewer than 85% of recent simulations merged cleanly",
                "Reduce average change size and enforce pre-merge checks",
                1 if mergeable_rate < 0.7 else 2,
                "mergeable_rate",
                mergeable_rate,
                REPO_TARGETS["mergeable_rate"],
            )
        )
    if avg_entropy > REPO_TARGETS["avg_entropy"]:
        lessons.append(
            lesson(
                "learn.high_entropy",
                "Changes are too entropic",
                "Recent changes spread over many files and modules",
                "Split large intents into smaller focused changes",
                1 if avg_entropy > 30 else 2,
                "avg_entropy",
                avg_entropy,
                REPO_TARGETS["avg_entropy"],
            )
        )
    if rejected > REPO_TARGETS["rejected_count"]:
        lessons.append(
            lesson(
                "learn.frequent_rejections",
                "Frequent rejections",
                "More than 3 intents were rejected in the window",
                "Review policy thresholds and source branch preparation workflows",
                1,
                "rejected_count",
                rejected,
                REPO_TARGETS["rejected_count"],
            )
        )
    if score < REPO_TARGETS["health_score"]:
        lessons.append(
            lesson(
                "learn.health_below_target",
                "Repo health below target",
                "The health score is below 70",
                "Prioritize resolving conflicts, reducing entropy, and clearing the queue",
                0,
                "health_score",
                score,
                REPO_TARGETS["health_score"],
            )
        )
    level = learning_level(score)
    return learning(f"Repo health is {level} (score: {score:.0f})", level, lessons)


def change_health(
    *, risk_score: float, entropy_score: float, mergeable: bool, policy_verdict: str
) -> dict[str, Any]:
    """One intent's health from its latest risk, simulation and policy (defaults when absent)."""
    score = max(
        0.0,
        round(100 - 0.5 * risk_score - 0.3 * entropy_score - (0 if mergeable else 30), 1),
    )
    lessons = []
    if not mergeable:
        lessons.append(
            lesson(
                "learn.conflict",
                "The change conflicts with its target",
                "The latest simulation found merge conflicts",
                "Rebase or resolve conflicts before retrying",
                0,
                "mergeable",
                0.0,
                CHANGE_TARGETS["mergeable"],
            )
        )
    if risk_score > CHANGE_TARGETS["risk_score"]:
        lessons.append(
            lesson(
                "learn.high_risk",
                "High risk score",
                "The change's risk score is above 40",
                "Consider splitting into smaller changes or adding test coverage",
                1 if risk_score > 60 else 2,
                "risk_score",
                risk_score,
                CHANGE_TARGETS["risk_score"],
            )
        )
    if entropy_score > CHANGE_TARGETS["entropy_score"]:
        lessons.append(
            lesson(
                "learn.change_entropy",
                "High change entropy",
                "The change spreads over many files and modules",
                "Reduce scope or break into incremental, independently-mergeable changes",
                1 if entropy_score > 40 else 2,
                "entropy_score",
                entropy_score,
                CHANGE_TARGETS["entropy_score"],
            )
        )
    level = learning_level(score)
    return {
        "health_score": score,
        "risk_score": risk_score,
        "entropy_score": entropy_score,
        "mergeable": mergeable,
        "policy_verdict": policy_verdict,
        "status": health_status(score),
        "learning": learning(f"Change health: {level} ({score:.0f})", level, lessons),
    }
