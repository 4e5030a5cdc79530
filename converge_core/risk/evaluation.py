"""``evaluate_risk`` (risk-policy §1) and its result, in two scoring versions.

**Version 1** is the reference, quirks included, and reproduces the §1.12 vectors: the
symmetric ``co_located``/``co_change`` edges count as 2-cycles (path dependence, spiral) and make
``longest`` 0; an empty change has complexity delta 25; the level bonus comes from the current
``intent.risk_level``; node ids are raw names, so a scope called ``main`` merges with the target.

**Version 2** (default, decisions §27) changes exactly these, each from a §1 note:

1. Symmetric relations are left out of cycle counting, longest path and spiral (note 1): they
   run on a directed view without them; ``co_located`` edges are also left out of the
   propagation fan-out (same folder is not propagation, and counting it put every clean
   5-file change over the risk gate's propagation limit). PageRank, components, density and
   cascade keep the full graph.
2. Complexity delta is 0 when no file changed (note 4).
3. The contextual-value level bonus uses the declared level, ``declared_level`` falling back to
   ``intent.risk_level``, so re-validation cannot feed its own reclassification (note 5).
4. Node ids carry their kind (``file:``, ``dir:``, ``scope:``, ``dep:``, ``intent:``,
   ``branch:``) and the target has kind ``branch`` (notes 6, 7); outputs show bare names.

Not adopted, because the literal formulas already meet the §27 behaviours and nothing else may
be tuned: intent→file edges (note 2; a change with files keeps K ≥ 2) and redefined
containment crossings (note 3; the target and up to 20 files still count).

**Both versions**: cycle enumeration is capped by count (20) and time (note 8), and the payload
carries ``scoring_version`` and the diagnostics (note 9).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from converge_core.errors import InvalidInput
from converge_core.risk.diagnostics import build_diagnostics
from converge_core.risk.findings import compute_findings, detect_bombs
from converge_core.risk.graph import build_graph, graph_metrics
from converge_core.risk.inputs import CouplingRecord, RiskIntent, RiskSimulation
from converge_core.risk.scoring import (
    Signals,
    composite_scores,
    compute_signals,
    containment_score,
    impact_edges,
    propagation_score,
)

SCORING_VERSIONS = (1, 2)
DEFAULT_SCORING_VERSION = 2


@dataclass(frozen=True)
class RiskEvaluation:
    """One evaluation; ``to_payload()`` is the stored ``risk.evaluated`` payload."""

    intent_id: str
    risk_score: float
    damage_score: float
    entropy_score: float
    propagation_score: float
    containment_score: float
    signals: Signals
    findings: list[dict[str, Any]]
    impact_edges: list[dict[str, Any]]
    graph_metrics: dict[str, Any]
    bombs: list[dict[str, Any]]
    timestamp: datetime
    tenant_id: str | None
    scoring_version: int
    diagnostics: list[dict[str, str]]

    def to_payload(self) -> dict[str, Any]:
        """The §1.11 JSON shape plus ``scoring_version`` and ``diagnostics`` (a fresh copy)."""
        return _fresh(
            {
                "intent_id": self.intent_id,
                "risk_score": self.risk_score,
                "damage_score": self.damage_score,
                "entropy_score": self.entropy_score,
                "propagation_score": self.propagation_score,
                "containment_score": self.containment_score,
                "signals": self.signals.as_dict(),
                "findings": self.findings,
                "impact_edges": self.impact_edges,
                "graph_metrics": self.graph_metrics,
                "bombs": self.bombs,
                "timestamp": self.timestamp.isoformat(timespec="microseconds"),
                "tenant_id": self.tenant_id,
                "scoring_version": self.scoring_version,
                "diagnostics": self.diagnostics,
            }
        )

    def evidence(self) -> dict[str, Any]:
        """The ``risk.evaluated`` evidence without ``trace_id`` (the caller adds it)."""
        return {
            "risk_score": self.risk_score,
            "damage_score": self.damage_score,
            "signals": self.signals.as_dict(),
            "bombs": [bomb["type"] for bomb in self.bombs],
        }


def _fresh(value: Any) -> Any:
    """A copy of a JSON-shaped value whose dicts and lists are new (what ``deepcopy`` gives
    such values, at a fraction of its cost)."""
    if isinstance(value, dict):
        return {key: _fresh(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_fresh(item) for item in value]
    if isinstance(value, tuple):
        return tuple(_fresh(item) for item in value)
    return value


def _utc(now: datetime | None) -> datetime:
    if now is None:
        return datetime.now(UTC)
    if now.tzinfo is None or now.utcoffset() is None:
        raise InvalidInput("now must be timezone-aware", field="now")
    return now.astimezone(UTC)


def evaluate_risk(
    intent: RiskIntent,
    simulation: RiskSimulation,
    coupling: Iterable[CouplingRecord | Mapping[str, Any]] | None = None,
    *,
    version: int = DEFAULT_SCORING_VERSION,
    declared_level: str | None = None,
    now: datetime | None = None,
) -> RiskEvaluation:
    """Evaluate one change; deterministic for a fixed ``now`` and without side effects.

    ``coupling`` rows (records or stored ``{file_a, file_b, co_changes}`` dicts) add
    ``co_change`` edges. ``declared_level`` (version 2 only) is the level the author declared;
    the contextual-value bonus uses it, falling back to ``intent.risk_level``. Version 1 always
    uses the current ``intent.risk_level``, as the reference does.
    """
    if version not in SCORING_VERSIONS:
        raise InvalidInput(f"Unknown scoring version {version!r}", field="scoring_version")
    timestamp = _utc(now)
    records = tuple(
        row if isinstance(row, CouplingRecord) else CouplingRecord.from_payload(row)
        for row in coupling or ()
    )
    rg = build_graph(intent, simulation, records, version)
    level = intent.risk_level if version == 1 else declared_level or intent.risk_level
    signals = compute_signals(intent, simulation, rg, level)
    findings = compute_findings(intent, simulation)
    edges = impact_edges(intent, simulation)
    propagation = propagation_score(rg, edges)
    containment = containment_score(intent, rg, edges)
    bombs = detect_bombs(intent, simulation, rg)
    risk, damage = composite_scores(signals)
    scores = {
        "risk_score": risk,
        "entropy_score": signals.entropic_load,
        "propagation_score": propagation,
        "containment_score": containment,
        "signals": signals.as_dict(),
        "findings": findings,
        "bombs": bombs,
    }
    return RiskEvaluation(
        intent_id=intent.id,
        risk_score=risk,
        damage_score=damage,
        entropy_score=signals.entropic_load,
        propagation_score=propagation,
        containment_score=containment,
        signals=signals,
        findings=findings,
        impact_edges=edges,
        graph_metrics=graph_metrics(rg),
        bombs=bombs,
        timestamp=timestamp,
        tenant_id=intent.tenant_id,
        scoring_version=version,
        diagnostics=build_diagnostics(scores, simulation),
    )
