"""Diagnostics (risk-policy §1.10), persisted in the payload and rebuilt from stored payloads."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from converge_core.risk import RiskIntent, RiskSimulation, build_diagnostics, evaluate_risk

NOW = datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)
QUIET: dict[str, Any] = {
    "risk_score": 0.0,
    "entropy_score": 0.0,
    "propagation_score": 0.0,
    "containment_score": 1.0,
    "signals": {
        "entropic_load": 0.0,
        "contextual_value": 0.0,
        "complexity_delta": 0.0,
        "path_dependence": 0.0,
    },
    "findings": [],
    "bombs": [],
}


def _payload(**changes: Any) -> dict[str, Any]:
    payload = json.loads(json.dumps(QUIET))
    for key, value in changes.items():
        if key in payload["signals"]:
            payload["signals"][key] = value
        else:
            payload[key] = value
    return payload


def _one(payload: dict[str, Any]) -> tuple[str, str] | None:
    diags = build_diagnostics(payload, None)
    assert len(diags) <= 1
    return (diags[0]["severity"], diags[0]["code"]) if diags else None


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("risk_score", 60.0, None),
        ("risk_score", 60.1, ("high", "diag.high_risk")),
        ("risk_score", 80.0, ("high", "diag.high_risk")),
        ("risk_score", 80.1, ("critical", "diag.high_risk")),
        ("entropy_score", 20.0, None),
        ("entropy_score", 20.1, ("medium", "diag.high_entropy")),
        ("entropy_score", 40.1, ("high", "diag.high_entropy")),
        ("propagation_score", 40.0, None),
        ("propagation_score", 40.1, ("high", "diag.high_propagation")),
        ("containment_score", 0.4, None),
        ("containment_score", 0.39, ("medium", "diag.low_containment")),
        ("entropic_load", 50.0, None),
        ("entropic_load", 50.1, ("high", "diag.high_entropic_load")),
        ("contextual_value", 60.0, None),
        ("contextual_value", 60.1, ("high", "diag.high_contextual_value")),
        ("path_dependence", 40.0, None),
        ("path_dependence", 40.1, ("medium", "diag.path_dependent")),
    ],
)
def test_threshold_rules(field: str, value: float, expected: tuple[str, str] | None) -> None:
    assert _one(_payload(**{field: value})) == expected


def test_explanations_and_recommendations() -> None:
    diags = build_diagnostics(
        _payload(risk_score=61.5, containment_score=0.3456, contextual_value=62.5),
        None,
    )
    assert diags == [
        {
            "severity": "high",
            "code": "diag.high_risk",
            "explanation": "Combined risk score 62 exceeds safe threshold",
            "recommendation": "Split this change into smaller, independent intents",
        },
        {
            "severity": "high",
            "code": "diag.high_contextual_value",
            "explanation": "Change touches critical files (contextual value: 62)",
            "recommendation": (
                "Ensure thorough review — these files have high centrality in the codebase"
            ),
        },
        {
            "severity": "medium",
            "code": "diag.low_containment",
            "explanation": "Containment 0.35 is below acceptable levels",
            "recommendation": "Add scope hints or reduce cross-boundary dependencies",
        },
    ]


def test_merge_conflict_lists_the_first_five_conflicts() -> None:
    conflicts = tuple(f"f{i}.py" for i in range(7))
    sim = RiskSimulation(mergeable=False, conflicts=conflicts, files_changed=conflicts)
    assert build_diagnostics(QUIET, sim) == [
        {
            "severity": "critical",
            "code": "diag.merge_conflict",
            "explanation": "Merge has 7 conflict(s): f0.py, f1.py, f2.py, f3.py, f4.py",
            "recommendation": "Resolve conflicts in source branch before retrying",
        }
    ]


def test_simulation_may_be_a_stored_payload() -> None:
    stored = {"mergeable": False, "conflicts": ["a.py"], "files_changed": ["a.py"]}
    assert build_diagnostics(QUIET, stored)[0]["explanation"] == "Merge has 1 conflict(s): a.py"
    assert build_diagnostics(QUIET, {"mergeable": True}) == []


@pytest.mark.parametrize(
    ("kind", "recommendation"),
    [
        ("cascade", "Split change to avoid touching high-centrality files simultaneously"),
        ("spiral", "Break circular dependencies before merging"),
        ("thermal_death", "System is under stress — reduce change scope immediately"),
        ("meltdown", "Review and reduce change scope"),
    ],
)
def test_bomb_recommendations(kind: str, recommendation: str) -> None:
    diags = build_diagnostics(_payload(bombs=[{"type": kind, "message": "boom"}]), None)
    assert diags == [
        {
            "severity": "high",
            "code": f"diag.bomb.{kind}",
            "explanation": "boom",
            "recommendation": recommendation,
        }
    ]


def test_findings_become_diagnostics_without_recommendation() -> None:
    finding = {"code": "semantic.core_target", "severity": "high", "message": "Targets core"}
    assert build_diagnostics(_payload(findings=[finding]), None) == [
        {
            "severity": "high",
            "code": "semantic.core_target",
            "explanation": "Targets core",
            "recommendation": "",
        }
    ]


def test_stable_sort_by_severity_with_unknown_as_low() -> None:
    payload = _payload(
        path_dependence=41.0,  # medium, first in build order among these
        bombs=[{"type": "x", "severity": "weird", "message": "w"}],
        findings=[
            {"code": "f.low", "severity": "low", "message": "l"},
            {"code": "f.crit", "severity": "critical", "message": "c"},
            {"code": "f.med", "severity": "medium", "message": "m"},
        ],
    )
    codes = [d["code"] for d in build_diagnostics(payload, None)]
    assert codes == ["f.crit", "diag.path_dependent", "f.med", "diag.bomb.x", "f.low"]


def test_missing_keys_of_an_old_payload_produce_nothing() -> None:
    assert build_diagnostics({"risk_score": 10.0}, None) == []
    assert build_diagnostics({}, RiskSimulation()) == []


def test_persisted_diagnostics_equal_a_rebuild_from_the_stored_payload() -> None:
    files = tuple(f"src/m{i % 3}/f{i}.py" for i in range(15))
    intent = RiskIntent("intent-c", "feature/c", "main", "medium", ("d1", "d2", "d3", "d4"))
    sim = RiskSimulation(mergeable=False, conflicts=(files[0],), files_changed=files)
    for version in (1, 2):
        stored = json.loads(json.dumps(evaluate_risk(intent, sim, version=version).to_payload()))
        stored_sim = {"mergeable": False, "conflicts": [files[0]], "files_changed": list(files)}
        assert build_diagnostics(stored, stored_sim) == stored["diagnostics"]
        assert any(d["code"].startswith("diag.bomb.") for d in stored["diagnostics"])
