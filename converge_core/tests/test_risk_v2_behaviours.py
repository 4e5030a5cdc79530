"""Scoring version 2 (decisions §27): the required behaviours and each change from version 1.

The inputs fix what the behaviours depend on: the 12-file change is classified ``high`` because
its packages are core paths (``src/``; under top-level ``pkgNN/`` it scores 44.4), and the
conflict-only change touches three files (one or two conflicting files score below 50). Both
are blocked at ``medium`` either way, by the entropy gate or by the simulation.
"""

from __future__ import annotations

from datetime import UTC, datetime

from converge_core.policy import GateContext, default_policy, evaluate_gates, resolve_profile
from converge_core.risk import (
    RiskIntent,
    RiskSimulation,
    classify,
    effective_level,
    evaluate_risk,
)
from converge_core.risk.graph import build_graph

NOW = datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)
# The ``medium`` policy profile (risk-policy §3.1).
MEDIUM_ENTROPY_BUDGET = 18.0
MEDIUM_CONTAINMENT_MIN = 0.5

CLEAN = (
    RiskIntent("intent-clean", "feature/clean", "main", "medium"),
    RiskSimulation(files_changed=tuple(f"pkg03/mod{i:03d}.py" for i in range(1, 6))),
)
WIDE = (
    RiskIntent("intent-wide", "feature/wide", "main", "medium", ("dep-1", "dep-2", "dep-3")),
    RiskSimulation(
        files_changed=tuple(
            f"src/pkg{p:02d}/mod{i:03d}.py" for p in range(1, 5) for i in (1, 2, 3)
        ),
    ),
)
BILLING = ("src/billing/invoice.py", "src/billing/tax.py", "src/billing/totals.py")
CONFLICTED = (
    RiskIntent("intent-conflicted", "feature/billing", "main", "medium"),
    RiskSimulation(mergeable=False, conflicts=BILLING, files_changed=BILLING),
)


PAYMENTS = ("src/payments/charge.py", "src/payments/refund.py", "src/payments/ledger.py")


def _level(risk_score: float, declared: str = "medium") -> str:
    return effective_level(declared, classify(risk_score))


def test_version_2_is_the_default() -> None:
    assert evaluate_risk(*CLEAN, now=NOW).scoring_version == 2
    assert evaluate_risk(*CLEAN, now=NOW).to_payload()["scoring_version"] == 2


def test_clean_five_file_change_stays_medium_and_fits_the_medium_profile() -> None:
    ev = evaluate_risk(*CLEAN, now=NOW)
    assert ev.risk_score == 27.2
    assert _level(ev.risk_score) == "medium"
    assert ev.entropy_score == 18.0
    assert ev.entropy_score <= MEDIUM_ENTROPY_BUDGET
    assert ev.containment_score == 0.67
    assert ev.containment_score >= MEDIUM_CONTAINMENT_MIN


def test_clean_change_was_high_under_version_1() -> None:
    # The reason for version 2: co-location pairs count as cycles and push PD to 100.
    ev = evaluate_risk(*CLEAN, version=1, now=NOW)
    assert ev.signals.path_dependence == 100.0
    assert _level(ev.risk_score) == "high"


def test_wide_change_is_high_and_over_the_medium_entropy_budget() -> None:
    ev = evaluate_risk(*WIDE, now=NOW)
    assert ev.risk_score == 61.4
    assert _level(ev.risk_score) == "high"
    assert ev.entropy_score > MEDIUM_ENTROPY_BUDGET
    assert ev.containment_score < MEDIUM_CONTAINMENT_MIN


def test_conflict_only_change_is_blocked() -> None:
    ev = evaluate_risk(*CONFLICTED, now=NOW)
    assert {
        "code": "semantic.merge_conflict",
        "severity": "critical",
        "message": "3 merge conflict(s) detected",
    } in ev.findings
    assert ev.risk_score == 58.3
    assert _level(ev.risk_score) in {"high", "critical"}
    assert ev.diagnostics[0] == {
        "severity": "critical",
        "code": "diag.merge_conflict",
        "explanation": f"Merge has 3 conflict(s): {', '.join(BILLING)}",
        "recommendation": "Resolve conflicts in source branch before retrying",
    }


def _critical_gates(files: tuple[str, ...]) -> dict[str, tuple[bool, str]]:
    """The default ``critical`` gates of a hotfix, on a fresh install (no check configured)."""
    intent = RiskIntent("intent-hotfix", "hotfix/x", "main", "critical")
    ev = evaluate_risk(intent, RiskSimulation(files_changed=files), now=NOW)
    assert _level(ev.risk_score, "critical") == "critical"  # a declared level is not lowered
    context = GateContext(
        intent_id=intent.id,
        risk_level="critical",
        profile=resolve_profile(default_policy(), "critical", None),
        risk=ev.to_payload(),
        check_outcomes={"lint": "not_configured", "unit_tests": "not_configured"},
    )
    return {g.gate: (g.passed, g.reason) for g in evaluate_gates(context).gates}


def test_a_one_file_critical_change_passes_every_default_gate() -> None:
    gates = _critical_gates(PAYMENTS[:1])
    assert gates["entropy"] == (True, "Entropy delta 10.0 vs budget 12.0")
    assert gates["containment"] == (True, "Containment 0.87 vs min 0.85")
    assert all(passed for passed, _ in gates.values())


def test_two_files_in_one_folder_fit_the_critical_entropy_budget_three_do_not() -> None:
    assert _critical_gates(PAYMENTS[:2])["entropy"] == (True, "Entropy delta 12.0 vs budget 12.0")
    assert _critical_gates(PAYMENTS)["entropy"] == (False, "Entropy delta 14.0 vs budget 12.0")
    spread = ("src/payments/charge.py", "src/billing/refund.py")
    assert _critical_gates(spread)["entropy"] == (False, "Entropy delta 20.0 vs budget 12.0")


def test_symmetric_relations_are_not_cycles() -> None:
    coupling = [{"file_a": "src/a/x.py", "file_b": "src/b/y.py", "co_changes": 4}]
    intent = RiskIntent("intent-s", "feature/s", "develop", "low")
    sim = RiskSimulation(files_changed=("src/a/x.py", "src/a/z.py", "src/b/y.py"))
    v1 = evaluate_risk(intent, sim, coupling, version=1, now=NOW)
    v2 = evaluate_risk(intent, sim, coupling, now=NOW)
    assert [b["type"] for b in v1.bombs] == ["spiral"]
    assert v2.bombs == []
    # v1: x↔z and x↔y are 2 cycles, longest 0. v2: no cycle; longest = intent→develop (1.0).
    assert v1.signals.path_dependence == 4 * 3 + 5 * 2
    assert v2.signals.path_dependence == 4 * 3 + 2 * 1.0


def test_longest_path_sums_weights_of_the_non_symmetric_edges() -> None:
    # scope→file (0.5) + file→dir (0.3) = 0.8 < intent→target (1.0); with 2 deps still 1.0.
    intent = RiskIntent("intent-l", "feature/l", "develop", "low", ("d1", "d2"), ("docs",))
    sim = RiskSimulation(files_changed=("docs/a.md", "docs/b.md"))
    assert build_graph(intent, sim, (), 2).longest_path == 1.0
    assert evaluate_risk(intent, sim, now=NOW).signals.path_dependence == 8 * 2 + 2 * 1.0


def test_empty_change_has_no_complexity_delta() -> None:
    intent, sim = RiskIntent("intent-d", "feature/d", "main", "medium"), RiskSimulation()
    assert evaluate_risk(intent, sim, now=NOW).signals.complexity_delta == 0.0
    assert evaluate_risk(intent, sim, version=1, now=NOW).signals.complexity_delta == 25.0


def test_level_bonus_uses_the_declared_level() -> None:
    reclassified = RiskIntent("intent-r", "feature/r", "develop", "high")
    sim = RiskSimulation(files_changed=("README.md",))
    declared_low = evaluate_risk(reclassified, sim, declared_level="low", now=NOW)
    current = evaluate_risk(reclassified, sim, now=NOW)  # no declared level: falls back
    assert current.signals.contextual_value - declared_low.signals.contextual_value == 15.0
    assert declared_low.signals.contextual_value == 23.4  # vector B: low, README.md


def test_node_ids_do_not_collide_across_kinds() -> None:
    intent = RiskIntent(
        "intent-x",
        "feature/x",
        "main",
        "medium",
        dependencies=("lib",),
        scope_hint=("main",),
    )
    sim = RiskSimulation(files_changed=("lib/a.py",))
    v1 = evaluate_risk(intent, sim, version=1, now=NOW).graph_metrics
    v2 = evaluate_risk(intent, sim, now=NOW).graph_metrics
    # v1 merges scope "main" with the target and dependency "lib" with the directory.
    assert v1["nodes"] == 4
    assert v2["nodes"] == 6
    names = {entry["node"] for entry in v2["pagerank_top"]}
    assert "lib" in names and not any(":" in name for name in names)


def test_target_node_is_a_branch_and_outputs_strip_prefixes() -> None:
    intent = RiskIntent("intent-t", "feature/t", "main", "medium")
    sim = RiskSimulation(files_changed=("src/a.py",))
    rg = build_graph(intent, sim, (), 2)
    assert rg.graph.nodes["branch:main"]["kind"] == "branch"
    assert build_graph(intent, sim, (), 1).graph.nodes["main"].get("kind") is None
    gm = evaluate_risk(intent, sim, now=NOW).graph_metrics
    assert gm["critical_files"] == [{"file": "src/a.py", "pagerank": 0.1754}]
    top = [entry["node"] for entry in gm["pagerank_top"]]
    assert top == ["src", "main", "src/a.py", "intent-t"]


def test_evaluation_is_deterministic() -> None:
    first = evaluate_risk(*WIDE, now=NOW).to_payload()
    assert evaluate_risk(*WIDE, now=NOW).to_payload() == first
