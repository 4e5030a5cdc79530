"""The per-change dependency graph (risk-policy §1.1), its PageRank and metrics (§1.2).

Version 1 uses raw strings as node ids, so equal names of different kinds merge into one node
(the last kind written wins) and the target branch never gets ``kind="branch"``. Version 2
prefixes every id with its kind (``file:``, ``dir:``, ``scope:``, ``dep:``, ``intent:``,
``branch:``), sets the branch kind and leaves the symmetric relations (``co_located``,
``co_change``) out of the *analysis* graph that cycles, longest path and spiral use; PageRank,
components, density and cascade still see the full graph. Outputs report names without prefix.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from converge_core.risk.inputs import CouplingRecord, RiskIntent, RiskSimulation, parent_dir

if TYPE_CHECKING:
    import networkx as nx

SYMMETRIC_RELATIONS = frozenset({"co_located", "co_change"})
CYCLE_LIMIT = 20  # path dependence stops counting at 20; spiral keeps the first 10 of these
# Backstop for note 8: the count cap already bounds networkx's polynomial-delay enumeration,
# whose setup alone is linear in E (about 0.5 s for the 250k co-location edges of 500 files).
CYCLE_TIME_BUDGET_S = 1.0
PAGERANK_TOP_N = 10
DISPLAY_LIMIT = 5

_PREFIXES = {
    "file": "file:",
    "directory": "dir:",
    "scope": "scope:",
    "dependency": "dep:",
    "intent": "intent:",
    "branch": "branch:",
}
_W_CONTAINED_IN = 0.3
_W_CO_LOCATED = 0.2
_W_SCOPE_CONTAINS = 0.5
_W_SCOPE_TOUCHES = 0.2
_W_DEPENDS_ON = 0.8
_W_MERGE_TARGET = 1.0


@dataclass(frozen=True)
class RiskGraph:
    """The full graph and everything derived from it (and its analysis view) once."""

    version: int
    graph: nx.DiGraph
    pagerank: dict[str, float]
    components: int  # weak components; 0 for an empty graph
    cycles: tuple[tuple[str, ...], ...]  # simple cycles of ≥ 2 nodes, first CYCLE_LIMIT
    longest_path: float  # weighted longest path of an acyclic analysis graph, else 0

    def node_id(self, kind: str, name: str) -> str:
        return _node_id(self.version, kind, name)

    def label(self, node: str) -> str:
        """The reported name of a node (its id without the kind prefix)."""
        return node.partition(":")[2] if self.version >= 2 else node

    def nodes_of_kind(self, kind: str) -> list[str]:
        return [n for n, k in self.graph.nodes(data="kind") if k == kind]


def _node_id(version: int, kind: str, name: str) -> str:
    return _PREFIXES[kind] + name if version >= 2 else name


def build_graph(
    intent: RiskIntent,
    simulation: RiskSimulation,
    coupling: tuple[CouplingRecord, ...],
    version: int,
) -> RiskGraph:
    """Build the §1.1 graph for ``version`` and compute PageRank, components and paths."""
    import networkx as nx  # a read command never builds a graph: keep networkx out of start-up

    g = nx.DiGraph()
    files = simulation.files_changed

    def nid(kind: str, name: str) -> str:
        return _node_id(version, kind, name)

    seen_dirs: set[str] = set()
    for path in files:
        g.add_node(nid("file", path), kind="file")
        parent = parent_dir(path)
        if parent is not None:
            if parent not in seen_dirs:
                g.add_node(nid("directory", parent), kind="directory")
                seen_dirs.add(parent)
            g.add_edge(
                nid("file", path),
                nid("directory", parent),
                rel="contained_in",
                weight=_W_CONTAINED_IN,
            )

    by_dir: dict[str, list[str]] = {}
    for path in files:
        by_dir.setdefault(parent_dir(path) or ".", []).append(path)
    for members in by_dir.values():
        for i, a in enumerate(members):
            for b in members[i + 1 :]:
                for u, v in ((nid("file", a), nid("file", b)), (nid("file", b), nid("file", a))):
                    if not g.has_edge(u, v):
                        g.add_edge(u, v, rel="co_located", weight=_W_CO_LOCATED)

    for scope in intent.scope_hint:
        g.add_node(nid("scope", scope), kind="scope")
        for path in files:
            inside = scope.lower() in path.lower()
            g.add_edge(
                nid("scope", scope),
                nid("file", path),
                rel="scope_contains" if inside else "scope_touches",
                weight=_W_SCOPE_CONTAINS if inside else _W_SCOPE_TOUCHES,
            )

    intent_node = nid("intent", intent.id)
    for dep in intent.dependencies:
        g.add_node(nid("dependency", dep), kind="dependency")
        g.add_edge(intent_node, nid("dependency", dep), rel="depends_on", weight=_W_DEPENDS_ON)
    g.add_node(intent_node, kind="intent")
    target_node = nid("branch", intent.target)
    g.add_edge(intent_node, target_node, rel="merge_target", weight=_W_MERGE_TARGET)
    if version >= 2:
        g.nodes[target_node]["kind"] = "branch"

    changed = set(files)
    for rec in coupling:
        if rec.file_a not in changed and rec.file_b not in changed:
            continue
        weight = min(1.0, 0.1 * rec.co_changes)
        a, b = nid("file", rec.file_a), nid("file", rec.file_b)
        for node in (a, b):
            if node not in g:
                g.add_node(node, kind="file")
        g.add_edge(a, b, rel="co_change", weight=weight)
        g.add_edge(b, a, rel="co_change", weight=weight)

    analysis = g if version == 1 else _without_symmetric(g)
    acyclic = nx.is_directed_acyclic_graph(analysis)
    return RiskGraph(
        version=version,
        graph=g,
        pagerank=pagerank(g),
        components=nx.number_weakly_connected_components(g) if len(g) else 0,
        cycles=() if acyclic else _cycles(analysis),
        longest_path=nx.dag_longest_path_length(analysis, weight="weight") if acyclic else 0,
    )


def _without_symmetric(g: nx.DiGraph) -> nx.DiGraph:
    """A copy of ``g`` without the symmetric relations (all nodes kept)."""
    import networkx as nx

    directed = nx.DiGraph()
    directed.add_nodes_from(g.nodes(data=True))
    directed.add_edges_from(
        (u, v, d) for u, v, d in g.edges(data=True) if d["rel"] not in SYMMETRIC_RELATIONS
    )
    return directed


def _cycles(g: nx.DiGraph) -> tuple[tuple[str, ...], ...]:
    """Simple cycles of ≥ 2 nodes in networkx order, capped by count and by time.

    networkx walks sets of nodes, so with string ids the order (and which cycles a cap keeps)
    would follow ``PYTHONHASHSEED``; enumerating over integer labels in insertion order makes it
    reproducible. The time cap makes a pathological graph's count depend on the machine; it
    exists so one evaluation cannot stall a request. The version-2 analysis graph is acyclic by
    construction, so only version 1 ever enumerates.
    """
    import networkx as nx

    names = list(g)
    deadline = time.monotonic() + CYCLE_TIME_BUDGET_S
    found: list[tuple[str, ...]] = []
    for cycle in nx.simple_cycles(nx.convert_node_labels_to_integers(g)):
        if len(cycle) >= 2:
            found.append(tuple(names[i] for i in cycle))
            if len(found) >= CYCLE_LIMIT:
                break
        if time.monotonic() > deadline:
            break
    return tuple(found)


def pagerank(
    g: nx.DiGraph,
    alpha: float = 0.85,
    tol: float = 1e-6,
    max_iter: int = 100,
) -> dict[str, float]:
    """Weighted PageRank with networkx semantics, in pure Python.

    ``nx.pagerank`` converts the graph to a scipy sparse matrix first, which costs about
    3 ms on the 5–30-node graphs of a change (a tenth of a validation); this is the power
    iteration of networkx's reference implementation (out-weights normalised per node, dangling
    mass and teleport spread uniformly, converged when the L1 change < N·tol). With
    non-negative weights it converges in < 100 iterations; should it not, the 100th iterate
    is returned, which is deterministic, instead of raising.
    """
    n = len(g)
    if n == 0:
        return {}
    out_weight = {u: sum(d.get("weight", 1) for d in nbrs.values()) for u, nbrs in g.adj.items()}
    dangling = [u for u, w in out_weight.items() if w == 0]
    x = dict.fromkeys(g, 1.0 / n)
    for _ in range(max_iter):
        last = x
        base = (alpha * sum(last[u] for u in dangling) + 1.0 - alpha) / n
        x = dict.fromkeys(g, base)
        for u, nbrs in g.adj.items():
            if out_weight[u] == 0:
                continue
            share = alpha * last[u] / out_weight[u]
            for v, d in nbrs.items():
                x[v] += share * d.get("weight", 1)
        if sum(abs(x[u] - last[u]) for u in x) < n * tol:
            break
    return x


def graph_metrics(rg: RiskGraph) -> dict[str, Any]:
    """The ``graph_metrics`` object of §1.2 (no ``critical_files`` for an empty graph)."""
    import networkx as nx

    g = rg.graph
    if len(g) == 0:
        return {
            "nodes": 0,
            "edges": 0,
            "pagerank_max": 0.0,
            "pagerank_top": [],
            "components": 0,
            "density": 0.0,
        }
    top = sorted(rg.pagerank.items(), key=lambda item: -item[1])[:PAGERANK_TOP_N]
    critical = [
        {"file": rg.label(node), "pagerank": round(rank, 4)}
        for node, rank in top
        if g.nodes[node].get("kind") == "file"
    ]
    return {
        "nodes": len(g),
        "edges": g.number_of_edges(),
        "pagerank_max": round(top[0][1], 4),
        "pagerank_top": [
            {"node": rg.label(node), "rank": round(rank, 4)} for node, rank in top[:DISPLAY_LIMIT]
        ],
        "critical_files": critical[:DISPLAY_LIMIT],
        "components": rg.components,
        "density": round(nx.density(g), 4),
    }
