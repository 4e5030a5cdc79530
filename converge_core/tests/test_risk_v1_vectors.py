"""Scoring version 1 reproduces the reference vectors of risk-policy §1.12.

PageRank-dependent values (contextual value and the composites built from it) are checked
within ±0.1, every other number exactly.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from converge_core.risk import RiskIntent, RiskSimulation, evaluate_risk

NOW = datetime(2025, 1, 2, 3, 4, 5, 678901, tzinfo=UTC)
C_FILES = tuple(f"src/m{i % 3}/f{i}.py" for i in range(15))


def _v1(intent: RiskIntent, simulation: RiskSimulation) -> dict[str, Any]:
    return evaluate_risk(intent, simulation, version=1, now=NOW).to_payload()


def case_a() -> dict[str, Any]:
    return _v1(
        RiskIntent("intent-a", "feature/a", "main", "medium", ("dep-1",), ("auth",)),
        RiskSimulation(
            files_changed=("src/auth/login.py", "src/auth/utils.py", "tests/test_auth.py"),
        ),
    )


def case_b() -> dict[str, Any]:
    return _v1(
        RiskIntent("intent-b", "feature/b", "develop", "low"),
        RiskSimulation(files_changed=("README.md",)),
    )


def case_c() -> dict[str, Any]:
    return _v1(
        RiskIntent("intent-c", "feature/c", "main", "medium", ("d1", "d2", "d3", "d4")),
        RiskSimulation(mergeable=False, conflicts=(C_FILES[0],), files_changed=C_FILES),
    )


def case_d() -> dict[str, Any]:
    return _v1(RiskIntent("intent-d", "feature/d", "main", "medium"), RiskSimulation())


# EL, CV, CD, PD, risk, damage, propagation, containment
VECTORS = {
    "A": (case_a, (23.0, 59.2, 21.7, 21.0, 31.3, 40.7, 38.3, 0.67)),
    "B": (case_b, (7.0, 23.4, 10.0, 2.0, 10.4, 14.2, 7.9, 0.87)),
    "C": (case_c, (93.0, 67.4, 35.8, 100.0, 76.9, 81.6, 100.0, 0.0)),
    "D": (case_d, (0.0, 15.0, 25.0, 2.0, 9.2, 7.9, 5.0, 0.95)),
}


@pytest.mark.parametrize("name", sorted(VECTORS))
def test_scores_match_the_reference(name: str) -> None:
    build, (el, cv, cd, pd, risk, damage, prop, cont) = VECTORS[name]
    p = build()
    s = p["signals"]
    assert s["entropic_load"] == el
    assert p["entropy_score"] == el
    assert s["contextual_value"] == pytest.approx(cv, abs=0.1)
    assert s["complexity_delta"] == cd
    assert s["path_dependence"] == pd
    assert p["risk_score"] == pytest.approx(risk, abs=0.1)
    assert p["damage_score"] == pytest.approx(damage, abs=0.1)
    assert p["propagation_score"] == prop
    assert p["containment_score"] == cont
    assert p["scoring_version"] == 1


def test_a_graph_findings_and_bombs() -> None:
    p = case_a()
    gm = p["graph_metrics"]
    assert (gm["nodes"], gm["edges"], gm["components"], gm["density"]) == (9, 10, 2, 0.1389)
    assert [f["code"] for f in p["findings"]] == ["semantic.core_target"]
    assert p["bombs"] == []


def test_b_has_no_findings() -> None:
    assert case_b()["findings"] == []


def test_c_bombs_and_findings() -> None:
    p = case_c()
    assert [b["type"] for b in p["bombs"]] == ["spiral", "thermal_death"]
    assert [f["code"] for f in p["findings"]] == [
        "semantic.dependency_spread",
        "semantic.core_target",
        "semantic.merge_conflict",
    ]


def test_c_spiral_counts_co_location_pairs_as_cycles() -> None:
    spiral = case_c()["bombs"][0]
    assert spiral["message"] == "10 circular dependency cycle(s) detected"
    assert len(spiral["cycles"]) == 3
    for cycle in spiral["cycles"]:
        assert 2 <= len(cycle) <= 5
        assert len({path.rpartition("/")[0] for path in cycle}) == 1  # files of one folder


def test_d_finding_core_target_only() -> None:
    assert [f["code"] for f in case_d()["findings"]] == ["semantic.core_target"]


def test_v1_node_ids_collide_and_the_target_has_no_kind() -> None:
    # A scope named like the target merges with the branch node (risk note 6).
    p = _v1(
        RiskIntent("intent-x", "feature/x", "main", "medium", scope_hint=("main",)),
        RiskSimulation(files_changed=("app.py",)),
    )
    assert p["graph_metrics"]["nodes"] == 3  # app.py, main (scope + target), intent-x


def test_v1_level_bonus_uses_the_current_level() -> None:
    intent = RiskIntent("intent-b", "feature/b", "develop", "critical")
    sim = RiskSimulation(files_changed=("README.md",))
    base = evaluate_risk(intent, sim, version=1, now=NOW).signals.contextual_value
    declared = evaluate_risk(intent, sim, version=1, declared_level="low", now=NOW)
    assert declared.signals.contextual_value == base
