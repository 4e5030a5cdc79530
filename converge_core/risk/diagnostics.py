"""Diagnostics (§1.10): explanations and recommendations derived from an evaluation payload.

Works from a fresh ``RiskEvaluation.to_payload()`` or from a stored ``risk.evaluated``
payload; keys missing from an older payload simply produce no diagnostic.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from converge_core.risk.inputs import RiskSimulation

SEVERITY_ORDER = {"critical": 0, "high": 1, "medium": 2, "low": 3}
BOMB_RECOMMENDATIONS = {
    "cascade": "Split change to avoid touching high-centrality files simultaneously",
    "spiral": "Break circular dependencies before merging",
    "thermal_death": "System is under stress — reduce change scope immediately",
}
DEFAULT_BOMB_RECOMMENDATION = "Review and reduce change scope"


def _number(source: Mapping[str, Any], key: str) -> float | None:
    value = source.get(key)
    return value if isinstance(value, int | float) and not isinstance(value, bool) else None


def _threshold_diagnostics(payload: Mapping[str, Any]) -> list[dict[str, str]]:
    """The §1.10 threshold rules, in table order; a missing value fires nothing."""
    signals = payload.get("signals") or {}
    out: list[dict[str, str]] = []
    if (v := _number(payload, "risk_score")) is not None and v > 60:
        out.append(
            _diag(
                "critical" if v > 80 else "high",
                "diag.high_risk",
                f"Combined risk score {v:.0f} exceeds safe threshold",
                "Split this change into smaller, independent intents",
            )
        )
    if (v := _number(payload, "entropy_score")) is not None and v > 20:
        out.append(
            _diag(
                "high" if v > 40 else "medium",
                "diag.high_entropy",
                f"Entropy score {v:.0f} indicates high disorder",
                "Reduce file count or dependencies before merging",
            )
        )
    if (v := _number(payload, "propagation_score")) is not None and v > 40:
        out.append(
            _diag(
                "high",
                "diag.high_propagation",
                f"Change propagation score {v:.0f} indicates wide blast radius",
                "Review impact graph and consider narrowing scope",
            )
        )
    if (v := _number(payload, "containment_score")) is not None and v < 0.4:
        out.append(
            _diag(
                "medium",
                "diag.low_containment",
                f"Containment {v:.2f} is below acceptable levels",
                "Add scope hints or reduce cross-boundary dependencies",
            )
        )
    if (v := _number(signals, "entropic_load")) is not None and v > 50:
        out.append(
            _diag(
                "high",
                "diag.high_entropic_load",
                f"Entropic load {v:.0f} indicates high disorder introduction",
                "Reduce the number of files, directories, or dependencies touched",
            )
        )
    if (v := _number(signals, "contextual_value")) is not None and v > 60:
        out.append(
            _diag(
                "high",
                "diag.high_contextual_value",
                f"Change touches critical files (contextual value: {v:.0f})",
                "Ensure thorough review — these files have high centrality in the codebase",
            )
        )
    if (v := _number(signals, "path_dependence")) is not None and v > 40:
        out.append(
            _diag(
                "medium",
                "diag.path_dependent",
                f"Path dependence {v:.0f}: merge order matters",
                "Coordinate merge timing with related intents",
            )
        )
    return out


def severity_rank(severity: object) -> int:
    """Sort key of a severity; unknown severities sort as ``low``."""
    low = SEVERITY_ORDER["low"]
    return SEVERITY_ORDER.get(severity, low) if isinstance(severity, str) else low


def _diag(severity: str, code: str, explanation: str, recommendation: str) -> dict[str, str]:
    return {
        "severity": severity,
        "code": code,
        "explanation": explanation,
        "recommendation": recommendation,
    }


def build_diagnostics(
    payload: Mapping[str, Any],
    simulation: RiskSimulation | Mapping[str, Any] | None,
) -> list[dict[str, str]]:
    """Diagnostics for an evaluation payload, stable-sorted by severity.

    ``simulation`` may be a :class:`RiskSimulation`, a stored simulation payload, or ``None``
    when no simulation is known (then no merge-conflict diagnostic is produced).
    """
    if isinstance(simulation, Mapping):
        simulation = RiskSimulation.from_payload(simulation)
    out = _threshold_diagnostics(payload)
    if simulation is not None and not simulation.mergeable:
        conflicts = simulation.conflicts
        out.append(
            _diag(
                "critical",
                "diag.merge_conflict",
                f"Merge has {len(conflicts)} conflict(s): {', '.join(conflicts[:5])}",
                "Resolve conflicts in source branch before retrying",
            )
        )
    for bomb in payload.get("bombs") or ():
        kind = bomb.get("type", "")
        out.append(
            _diag(
                bomb.get("severity", "high"),
                f"diag.bomb.{kind}",
                bomb.get("message", ""),
                BOMB_RECOMMENDATIONS.get(kind, DEFAULT_BOMB_RECOMMENDATION),
            )
        )
    for finding in payload.get("findings") or ():
        out.append(
            _diag(
                finding.get("severity", "low"),
                finding.get("code", ""),
                finding.get("message", ""),
                "",
            )
        )
    return sorted(out, key=lambda d: severity_rank(d["severity"]))
