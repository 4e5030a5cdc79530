"""Findings (§1.8) and per-change bombs (§1.9)."""

from __future__ import annotations

from typing import Any

from converge_core.risk.graph import DISPLAY_LIMIT, RiskGraph
from converge_core.risk.inputs import RiskIntent, RiskSimulation, is_core_target

SPIRAL_KEEP = 10
SPIRAL_MIN_CYCLES = 2
SPIRAL_SHOWN = 3


def compute_findings(intent: RiskIntent, simulation: RiskSimulation) -> list[dict[str, Any]]:
    f, c, d = len(simulation.files_changed), len(simulation.conflicts), len(intent.dependencies)
    rules = (
        (f > 15, "semantic.large_change", "high", f"Change touches {f} files"),
        (d > 3, "semantic.dependency_spread", "medium", f"Depends on {d} other intents"),
        (
            is_core_target(intent.target),
            "semantic.core_target",
            "high",
            f"Targets core branch: {intent.target}",
        ),
        (c > 0, "semantic.merge_conflict", "critical", f"{c} merge conflict(s) detected"),
    )
    return [
        {"code": code, "severity": severity, "message": message}
        for fired, code, severity, message in rules
        if fired
    ]


def detect_bombs(
    intent: RiskIntent,
    simulation: RiskSimulation,
    rg: RiskGraph,
) -> list[dict[str, Any]]:
    """Cascade, spiral and thermal_death, in that order; none for an empty graph."""
    if len(rg.graph) == 0:
        return []
    found = (_cascade(simulation, rg), _spiral(rg), _thermal_death(intent, simulation, rg))
    return [bomb for bomb in found if bomb is not None]


def _cascade(simulation: RiskSimulation, rg: RiskGraph) -> dict[str, Any] | None:
    import networkx as nx

    g = rg.graph
    threshold = 1.5 / len(g)
    candidates = [
        n
        for n in rg.nodes_of_kind("file")
        if rg.pagerank.get(n, 0.0) > threshold and g.out_degree(n) >= 3
    ]
    if not candidates:
        return None
    affected: set[str] = set()
    for node in candidates:
        affected |= nx.descendants(g, node)
    if len(affected) <= 1.5 * len(simulation.files_changed):
        return None
    return {
        "type": "cascade",
        "severity": "high",
        "message": (
            f"Change touches {len(candidates)} high-centrality node(s) "
            f"with potential cascade to {len(affected)} nodes"
        ),
        "trigger_nodes": [rg.label(n) for n in candidates[:DISPLAY_LIMIT]],
        "blast_radius": len(affected),
    }


def _spiral(rg: RiskGraph) -> dict[str, Any] | None:
    kept = rg.cycles[:SPIRAL_KEEP]
    if len(kept) < SPIRAL_MIN_CYCLES:
        return None
    return {
        "type": "spiral",
        "severity": "medium",
        "message": f"{len(kept)} circular dependency cycle(s) detected",
        "cycles": [[rg.label(n) for n in cycle[:DISPLAY_LIMIT]] for cycle in kept[:SPIRAL_SHOWN]],
    }


def _thermal_death(
    intent: RiskIntent,
    simulation: RiskSimulation,
    rg: RiskGraph,
) -> dict[str, Any] | None:
    f, c, d = len(simulation.files_changed), len(simulation.conflicts), len(intent.dependencies)
    k, n, e = rg.components, len(rg.graph), rg.graph.number_of_edges()
    hot = sum((f > 10, c > 0, d > 3, k > 3, e > 2 * n))
    if hot < 3:
        return None
    return {
        "type": "thermal_death",
        "severity": "critical",
        "message": (
            f"{hot}/5 entropy indicators elevated: files={f}, conflicts={c}, deps={d}, "
            f"components={k}, edge_density={e}/{n}"
        ),
        "indicators": hot,
    }
