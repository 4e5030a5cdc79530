"""The dependency graph (risk-policy §1.1), PageRank and metrics (§1.2), cycle caps, speed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import timeit
from pathlib import Path

import networkx as nx
import pytest

from converge_core.risk import CouplingRecord, RiskIntent, RiskSimulation, evaluate_risk
from converge_core.risk import graph as graph_module
from converge_core.risk.graph import RiskGraph, build_graph, graph_metrics, pagerank

INTENT_A = RiskIntent("intent-a", "feature/a", "main", "medium", ("dep-1",), ("auth",))
SIM_A = RiskSimulation(
    files_changed=("src/auth/login.py", "src/auth/utils.py", "tests/test_auth.py"),
)
CLEAN = (
    RiskIntent("intent-clean", "feature/clean", "main", "medium"),
    RiskSimulation(files_changed=tuple(f"pkg03/mod{i:03d}.py" for i in range(1, 6))),
)


def _edges(rg: RiskGraph) -> dict[tuple[str, str], tuple[str, float]]:
    return {(u, v): (d["rel"], d["weight"]) for u, v, d in rg.graph.edges(data=True)}


def test_version_2_edges_of_vector_a() -> None:
    assert _edges(build_graph(INTENT_A, SIM_A, (), 2)) == {
        ("file:src/auth/login.py", "dir:src/auth"): ("contained_in", 0.3),
        ("file:src/auth/utils.py", "dir:src/auth"): ("contained_in", 0.3),
        ("file:tests/test_auth.py", "dir:tests"): ("contained_in", 0.3),
        ("file:src/auth/login.py", "file:src/auth/utils.py"): ("co_located", 0.2),
        ("file:src/auth/utils.py", "file:src/auth/login.py"): ("co_located", 0.2),
        ("scope:auth", "file:src/auth/login.py"): ("scope_contains", 0.5),
        ("scope:auth", "file:src/auth/utils.py"): ("scope_contains", 0.5),
        ("scope:auth", "file:tests/test_auth.py"): ("scope_contains", 0.5),
        ("intent:intent-a", "dep:dep-1"): ("depends_on", 0.8),
        ("intent:intent-a", "branch:main"): ("merge_target", 1.0),
    }


def test_scope_match_is_case_insensitive_and_touches_otherwise() -> None:
    intent = RiskIntent("i", "s", "main", "low", scope_hint=("AUTH",))
    sim = RiskSimulation(files_changed=("src/auth/a.py", "docs/b.md"))
    edges = _edges(build_graph(intent, sim, (), 2))
    assert edges[("scope:AUTH", "file:src/auth/a.py")] == ("scope_contains", 0.5)
    assert edges[("scope:AUTH", "file:docs/b.md")] == ("scope_touches", 0.2)


def test_top_level_files_have_no_directory_but_are_co_located() -> None:
    sim = RiskSimulation(files_changed=("setup.py", "Makefile"))
    rg = build_graph(RiskIntent("i", "s", "main", "low"), sim, (), 2)
    assert rg.nodes_of_kind("directory") == []
    assert _edges(rg)[("file:setup.py", "file:Makefile")] == ("co_located", 0.2)


def test_coupling_adds_co_change_edges_in_both_directions() -> None:
    coupling = (
        CouplingRecord("src/auth/login.py", "lib/session.py", 4),
        CouplingRecord("src/auth/utils.py", "src/auth/login.py", 12),  # replaces co_located
        CouplingRecord("other/x.py", "other/y.py", 9),  # touches no changed file: ignored
    )
    rg = build_graph(INTENT_A, SIM_A, coupling, 2)
    edges = _edges(rg)
    assert edges[("file:src/auth/login.py", "file:lib/session.py")] == ("co_change", 0.4)
    assert edges[("file:lib/session.py", "file:src/auth/login.py")] == ("co_change", 0.4)
    assert edges[("file:src/auth/utils.py", "file:src/auth/login.py")] == ("co_change", 1.0)
    assert rg.graph.nodes["file:lib/session.py"]["kind"] == "file"
    assert "file:other/x.py" not in rg.graph


def test_cross_directory_co_change_raises_complexity() -> None:
    coupling = [{"file_a": "src/auth/login.py", "file_b": "lib/session.py", "co_changes": 4}]
    plain = evaluate_risk(INTENT_A, SIM_A)
    coupled = evaluate_risk(INTENT_A, SIM_A, coupling)
    assert plain.signals.complexity_delta == 21.7
    # N 9→10, E 10→12, both new edges cross directories: 40·12/90 + 10·12/10 + 3·2 + 5·1.
    assert coupled.signals.complexity_delta == 28.3
    assert coupled.graph_metrics["nodes"] == 10


@pytest.mark.parametrize("version", [1, 2])
def test_pagerank_matches_networkx(version: int) -> None:
    coupling = (CouplingRecord("src/auth/login.py", "lib/session.py", 4),)
    g = build_graph(INTENT_A, SIM_A, coupling, version).graph
    g.add_edge("loop", "loop", weight=0.5)  # self-loops count like any out-edge
    ours = pagerank(g)
    reference = nx.pagerank(g, alpha=0.85, tol=1e-6, max_iter=100, weight="weight")
    assert ours.keys() == reference.keys()
    assert all(ours[n] == pytest.approx(reference[n], abs=1e-6) for n in ours)


def test_pagerank_falls_back_to_the_last_iterate_without_raising() -> None:
    g = build_graph(*CLEAN, (), 2).graph
    capped = pagerank(g, max_iter=2)
    assert capped == pagerank(g, max_iter=2)
    assert sum(capped.values()) == pytest.approx(1.0)
    assert pagerank(nx.DiGraph()) == {}


def test_metrics_of_an_empty_graph() -> None:
    empty = RiskGraph(2, nx.DiGraph(), {}, 0, (), 0.0)
    assert graph_metrics(empty) == {
        "nodes": 0,
        "edges": 0,
        "pagerank_max": 0.0,
        "pagerank_top": [],
        "components": 0,
        "density": 0.0,
    }


def test_metrics_top_ranks_and_critical_files() -> None:
    gm = evaluate_risk(INTENT_A, SIM_A).graph_metrics
    assert gm["pagerank_top"] == [
        {"node": "src/auth", "rank": 0.1976},
        {"node": "tests", "rank": 0.1385},
        {"node": "src/auth/login.py", "rank": 0.1288},
        {"node": "src/auth/utils.py", "rank": 0.1288},
        {"node": "main", "rank": 0.0975},
    ]
    assert gm["critical_files"] == [  # file nodes among the top 10
        {"file": "src/auth/login.py", "pagerank": 0.1288},
        {"file": "src/auth/utils.py", "pagerank": 0.1288},
        {"file": "tests/test_auth.py", "pagerank": 0.085},
    ]


def test_no_cycle_enumeration_on_an_acyclic_analysis_graph(monkeypatch: pytest.MonkeyPatch) -> None:
    def forbidden(*args: object, **kwargs: object) -> None:
        raise AssertionError("simple_cycles called")

    monkeypatch.setattr(nx, "simple_cycles", forbidden)
    assert evaluate_risk(*CLEAN).signals.path_dependence == 2.0


def test_cycle_count_is_capped_at_twenty() -> None:
    sim = RiskSimulation(files_changed=tuple(f"a/f{i}.py" for i in range(8)))
    rg = build_graph(RiskIntent("i", "s", "develop", "low"), sim, (), 1)
    assert len(rg.cycles) == 20


def test_cycle_enumeration_stops_at_the_time_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    ticks = iter(range(0, 1000, 10))  # every clock read is 10 s later: over budget at once
    monkeypatch.setattr(graph_module.time, "monotonic", lambda: float(next(ticks)))
    sim = RiskSimulation(files_changed=tuple(f"a/f{i}.py" for i in range(8)))
    rg = build_graph(RiskIntent("i", "s", "develop", "low"), sim, (), 1)
    assert len(rg.cycles) == 1


def test_version_1_cycles_do_not_depend_on_the_hash_seed() -> None:
    script = (
        "import json\n"
        "from converge_core.risk import RiskIntent, RiskSimulation, evaluate_risk\n"
        "files = tuple(f'src/m{i % 3}/f{i}.py' for i in range(15))\n"
        "ev = evaluate_risk(RiskIntent('i', 's', 'main', 'medium'),\n"
        "                   RiskSimulation(files_changed=files), version=1)\n"
        "print(json.dumps(ev.bombs))\n"
    )
    root = Path(__file__).resolve().parents[2]
    outputs = {
        subprocess.run(
            [sys.executable, "-c", script],
            cwd=root,
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": str(root)},
        ).stdout
        for seed in ("1", "2", "3")
    }
    assert len(outputs) == 1
    assert json.loads(outputs.pop())[0]["type"] == "spiral"


def test_a_five_file_change_evaluates_well_under_five_milliseconds() -> None:
    per_call = min(timeit.repeat(lambda: evaluate_risk(*CLEAN), number=20, repeat=5)) / 20
    assert per_call < 0.005
