"""Per-change bombs (risk-policy §1.9): cascade, spiral, thermal_death."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import pytest

from converge_core.risk import CouplingRecord, RiskIntent, RiskSimulation, evaluate_risk

NOW = datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)
ENGINE = "src/core/engine.py"
DEVELOP = RiskIntent("intent-e", "feature/e", "develop", "low")


def _types(
    intent: RiskIntent,
    sim: RiskSimulation,
    coupling: Sequence[CouplingRecord] = (),
    version: int = 2,
) -> list[str]:
    ev = evaluate_risk(intent, sim, coupling, version=version, now=NOW)
    return [bomb["type"] for bomb in ev.bombs]


@pytest.mark.parametrize("version", [1, 2])
def test_cascade_fires_for_a_central_file_with_wide_fan_out(version: int) -> None:
    coupling = [CouplingRecord(ENGINE, f"src/mod{k}.py", 3) for k in range(5)]
    ev = evaluate_risk(
        DEVELOP,
        RiskSimulation(files_changed=(ENGINE,)),
        coupling,
        version=version,
        now=NOW,
    )
    assert ev.bombs[0] == {
        "type": "cascade",
        "severity": "high",
        "message": "Change touches 1 high-centrality node(s) with potential cascade to 6 nodes",
        "trigger_nodes": [ENGINE],
        "blast_radius": 6,
    }


def test_cascade_needs_a_blast_radius_above_one_and_a_half_files() -> None:
    # engine.py qualifies (fan-out 3) but reaches only src/core, a.py and mod0: 3 ≤ 1.5 x 2.
    sim = RiskSimulation(files_changed=(ENGINE, "src/core/a.py"))
    assert _types(DEVELOP, sim, [CouplingRecord(ENGINE, "src/mod0.py", 3)]) == []


def test_clean_change_has_no_bombs() -> None:
    sim = RiskSimulation(files_changed=tuple(f"pkg03/mod{i:03d}.py" for i in range(1, 6)))
    assert _types(RiskIntent("intent-c", "feature/c", "main", "medium"), sim) == []


def test_spiral_needs_two_cycles_and_only_exists_in_version_1() -> None:
    one_pair = RiskSimulation(files_changed=("a/x.py", "a/y.py"))
    two_pairs = RiskSimulation(files_changed=("a/x.py", "a/y.py", "b/x.py", "b/y.py"))
    assert _types(DEVELOP, one_pair, version=1) == []
    assert _types(DEVELOP, two_pairs, version=1) == ["spiral"]
    assert _types(DEVELOP, two_pairs, version=2) == []


def test_spiral_output_shape() -> None:
    sim = RiskSimulation(files_changed=("a/x.py", "a/y.py", "b/x.py", "b/y.py"))
    spiral = evaluate_risk(DEVELOP, sim, version=1, now=NOW).bombs[0]
    assert spiral == {
        "type": "spiral",
        "severity": "medium",
        "message": "2 circular dependency cycle(s) detected",
        "cycles": [["b/x.py", "b/y.py"], ["a/x.py", "a/y.py"]],  # networkx order
    }


def test_thermal_death_needs_three_hot_indicators() -> None:
    sim = RiskSimulation(mergeable=False, conflicts=("a/x.py",), files_changed=("a/x.py",))
    two_hot = RiskIntent("intent-t", "feature/t", "develop", "low", ("d1", "d2", "d3", "d4"))
    assert _types(two_hot, sim) == []  # conflicts and dependencies
    files = tuple(f"a/f{k}.py" for k in range(11))
    ev = evaluate_risk(
        RiskIntent("intent-t", "feature/t", "develop", "low", ("d1", "d2")),
        RiskSimulation(mergeable=False, conflicts=(files[0],), files_changed=files),
        now=NOW,
    )
    assert ev.bombs == [
        {
            "type": "thermal_death",
            "severity": "critical",
            "message": (
                "3/5 entropy indicators elevated: files=11, conflicts=1, deps=2, components=2, "
                "edge_density=124/16"
            ),
            "indicators": 3,
        }
    ]


def test_bombs_run_in_order_cascade_spiral_thermal_death() -> None:
    files = (ENGINE, *(f"src/core/f{k}.py" for k in range(10)))
    coupling = [CouplingRecord(ENGINE, f"src/mod{k}.py", 3) for k in range(12)]
    intent = RiskIntent("intent-o", "feature/o", "main", "high", ("d1", "d2", "d3", "d4"))
    sim = RiskSimulation(mergeable=False, conflicts=(ENGINE,), files_changed=files)
    assert _types(intent, sim, coupling, version=1) == ["cascade", "spiral", "thermal_death"]
