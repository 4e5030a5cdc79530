"""Signals (§1.3), composite scores (§1.4), impact edges (§1.5), propagation and containment."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from converge_core.risk.graph import RiskGraph
from converge_core.risk.inputs import (
    RiskIntent,
    RiskSimulation,
    is_core_path,
    is_core_target,
    parent_dir,
)

LEVEL_BONUS = {"low": 0.0, "medium": 5.0, "high": 15.0, "critical": 30.0}
UNKNOWN_LEVEL_BONUS = 5.0
IMPACT_FILES_LIMIT = 20


def cap(raw: float) -> float:
    """Round half-to-even to 1 dp, then cap at 100 (§0); a float even for integer sums."""
    return min(100.0, float(round(raw, 1)))


@dataclass(frozen=True)
class Signals:
    entropic_load: float
    contextual_value: float
    complexity_delta: float
    path_dependence: float

    def as_dict(self) -> dict[str, float]:
        return {
            "entropic_load": self.entropic_load,
            "contextual_value": self.contextual_value,
            "complexity_delta": self.complexity_delta,
            "path_dependence": self.path_dependence,
        }


def compute_signals(
    intent: RiskIntent,
    simulation: RiskSimulation,
    rg: RiskGraph,
    level: str,
) -> Signals:
    """The four signals; ``level`` is the level whose contextual-value bonus applies."""
    files = simulation.files_changed
    f, c, d = len(files), len(simulation.conflicts), len(intent.dependencies)
    k = rg.components or 1
    dirs = len({p for p in map(parent_dir, files) if p is not None})
    core = sum(1 for p in files if is_core_path(p))
    return Signals(
        entropic_load=cap(2 * f + 15 * c + 6 * d + 3 * dirs + 5 * (k - 1)),
        contextual_value=_contextual_value(intent, files, rg, core, level),
        complexity_delta=_complexity_delta(intent, f, rg),
        path_dependence=cap(20 * c + 4 * core + 8 * d + 5 * len(rg.cycles) + 2 * rg.longest_path),
    )


def _contextual_value(
    intent: RiskIntent,
    files: tuple[str, ...],
    rg: RiskGraph,
    core: int,
    level: str,
) -> float:
    n = len(rg.graph)
    if n == 0:
        return 0.0
    pr_sum = sum(rg.pagerank.get(rg.node_id("file", p), 0.0) for p in files)
    importance = pr_sum / ((1.0 / n) * max(len(files), 1))
    return cap(
        min(30 * importance, 60)
        + 20 * core / max(len(files), 1)
        + (10.0 if is_core_target(intent.target) else 0.0)
        + LEVEL_BONUS.get(level, UNKNOWN_LEVEL_BONUS)
    )


def _complexity_delta(intent: RiskIntent, f: int, rg: RiskGraph) -> float:
    g = rg.graph
    n, e = len(g), g.number_of_edges()
    # Version 2 (note 4): with no file the density of the intent→target pair alone scored 25.
    if n == 0 or (rg.version >= 2 and f == 0):
        return 0.0
    density = e / (n * (n - 1)) if n > 1 else 0.0
    file_parents = {node: parent_dir(rg.label(node)) or "." for node in rg.nodes_of_kind("file")}
    cross_dir = sum(
        1
        for u, v in g.edges()
        if u in file_parents and v in file_parents and file_parents[u] != file_parents[v]
    )
    return cap(40 * density + min(10 * e / n, 30) + 3 * cross_dir + 5 * len(intent.scope_hint))


def composite_scores(s: Signals) -> tuple[float, float]:
    """``(risk_score, damage_score)``."""
    risk = cap(
        0.30 * s.entropic_load
        + 0.25 * s.contextual_value
        + 0.20 * s.complexity_delta
        + 0.25 * s.path_dependence
    )
    damage = cap(0.50 * s.contextual_value + 0.30 * s.entropic_load + 0.20 * s.path_dependence)
    return risk, damage


def impact_edges(intent: RiskIntent, simulation: RiskSimulation) -> list[dict[str, Any]]:
    edges: list[dict[str, Any]] = [
        {"source": intent.source, "target": intent.target, "type": "merge_target", "weight": 1.0},
    ]
    edges += [
        {"source": intent.id, "target": dep, "type": "depends_on", "weight": 0.8}
        for dep in intent.dependencies
    ]
    edges += [
        {"source": intent.id, "target": scope, "type": "touches_scope", "weight": 0.5}
        for scope in intent.scope_hint
    ]
    edges += [
        {"source": intent.id, "target": path, "type": "modifies_file", "weight": 0.3}
        for path in simulation.files_changed[:IMPACT_FILES_LIMIT]
    ]
    return edges


def propagation_score(rg: RiskGraph, edges: list[dict[str, Any]]) -> float:
    """Blast radius: mean fan-out of the changed files plus the weight of the impact edges.

    Version 2 leaves ``co_located`` edges out of the fan-out: sharing a folder says nothing
    about how a change propagates, and counting it made every clean 5-file change in one
    package breach the risk gate's propagation limit. ``co_change`` (history) still counts.
    """
    g = rg.graph
    if len(g) == 0 and not edges:
        return 0.0
    file_nodes = rg.nodes_of_kind("file")

    def fan_out(node: str) -> int:
        if rg.version == 1:
            return int(g.out_degree(node))
        return sum(1 for _, _, rel in g.out_edges(node, data="rel") if rel != "co_located")

    graph_part = (
        min(50.0, 10 * sum(fan_out(n) for n in file_nodes) / len(file_nodes)) if file_nodes else 0.0
    )
    edge_part = min(
        50.0,
        3 * sum(e["weight"] for e in edges) + 2 * len({e["target"] for e in edges}),
    )
    return cap(graph_part + edge_part)


def containment_score(
    intent: RiskIntent,
    rg: RiskGraph,
    edges: list[dict[str, Any]],
) -> float:
    """1.0 = fully contained; each boundary crossing and extra component costs."""
    if len(rg.graph) == 0 and not edges:
        return 1.0
    crossings = len(
        {e["target"] for e in edges} | set(intent.dependencies) | set(intent.scope_hint)
    )
    if crossings == 0:
        return 1.0
    k = rg.components or 1
    return round(max(0.0, 1 - 0.05 * crossings - 0.03 * (k - 1)), 2)
