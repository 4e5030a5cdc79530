"""Regression vectors of scoring version 2: the outputs committed for representative inputs.

A change to any number here is a change of the scoring model and needs a new version.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from converge_core.risk import RiskIntent, RiskSimulation, classify, evaluate_risk

NOW = datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)
C_FILES = tuple(f"src/m{i % 3}/f{i}.py" for i in range(15))
BILLING = ("src/billing/invoice.py", "src/billing/tax.py", "src/billing/totals.py")
PAYMENTS = ("src/payments/charge.py", "src/payments/refund.py", "src/payments/ledger.py")

INPUTS = {
    # The four inputs of risk-policy §1.12.
    "A": (
        RiskIntent("intent-a", "feature/a", "main", "medium", ("dep-1",), ("auth",)),
        RiskSimulation(
            files_changed=("src/auth/login.py", "src/auth/utils.py", "tests/test_auth.py"),
        ),
    ),
    "B": (
        RiskIntent("intent-b", "feature/b", "develop", "low"),
        RiskSimulation(files_changed=("README.md",)),
    ),
    "C": (
        RiskIntent("intent-c", "feature/c", "main", "medium", ("d1", "d2", "d3", "d4")),
        RiskSimulation(mergeable=False, conflicts=(C_FILES[0],), files_changed=C_FILES),
    ),
    "D": (RiskIntent("intent-d", "feature/d", "main", "medium"), RiskSimulation()),
    # Decisions §27: clean 5 files in one package; 12 files over 4 packages + 3 deps; conflicts.
    "clean": (
        RiskIntent("intent-clean", "feature/clean", "main", "medium"),
        RiskSimulation(files_changed=tuple(f"pkg03/mod{i:03d}.py" for i in range(1, 6))),
    ),
    "wide": (
        RiskIntent("intent-wide", "feature/wide", "main", "medium", ("dep-1", "dep-2", "dep-3")),
        RiskSimulation(
            files_changed=tuple(
                f"src/pkg{p:02d}/mod{i:03d}.py" for p in range(1, 5) for i in (1, 2, 3)
            ),
        ),
    ),
    "conflicted": (
        RiskIntent("intent-conflicted", "feature/billing", "main", "medium"),
        RiskSimulation(mergeable=False, conflicts=BILLING, files_changed=BILLING),
    ),
    # Top-level files: no directory node, co-located under ".".
    "toplevel": (
        RiskIntent("intent-top", "feature/top", "main", "medium"),
        RiskSimulation(files_changed=("setup.py", "pyproject.toml")),
    ),
    # Decisions §40: critical hotfixes of one, two and three files in one folder.
    "critical_one": (
        RiskIntent("intent-hotfix-1", "hotfix/one", "main", "critical"),
        RiskSimulation(files_changed=PAYMENTS[:1]),
    ),
    "critical_pair": (
        RiskIntent("intent-hotfix-2", "hotfix/pair", "main", "critical"),
        RiskSimulation(files_changed=PAYMENTS[:2]),
    ),
    "critical_three": (
        RiskIntent("intent-hotfix-3", "hotfix/three", "main", "critical"),
        RiskSimulation(files_changed=PAYMENTS),
    ),
}

# EL, CV, CD, PD, risk, damage, propagation, containment, level
SCORES = {
    "A": (23.0, 59.2, 21.7, 18.0, 30.5, 40.1, 31.6, 0.67, "medium"),
    "B": (7.0, 23.4, 10.0, 2.0, 10.4, 14.2, 7.9, 0.87, "low"),
    "C": (93.0, 67.4, 35.8, 100.0, 76.9, 81.6, 60.0, 0.0, "critical"),
    "D": (0.0, 15.0, 0.0, 2.0, 4.2, 7.9, 5.0, 0.95, "low"),
    "clean": (18.0, 46.5, 48.6, 2.0, 27.2, 29.0, 29.5, 0.67, "medium"),
    "wide": (74.0, 64.4, 22.9, 74.0, 61.4, 69.2, 60.0, 0.08, "high"),
    "conflicted": (59.0, 64.6, 30.0, 74.0, 58.3, 64.8, 23.7, 0.77, "high"),
    "toplevel": (9.0, 64.4, 17.5, 2.0, 22.8, 35.3, 10.8, 0.82, "low"),
    # Classified medium, but a declared level is never lowered (risk.allow_downgrade false).
    "critical_one": (10.0, 81.1, 11.7, 6.0, 27.1, 44.8, 17.9, 0.87, "medium"),
    "critical_pair": (12.0, 87.0, 20.0, 10.0, 31.9, 49.1, 20.8, 0.82, "medium"),
    "critical_three": (14.0, 89.6, 30.0, 14.0, 36.1, 51.8, 23.7, 0.77, "medium"),
}

# nodes, edges, components, density, pagerank_max, finding codes, bomb types
STRUCTURE = {
    "A": (9, 10, 2, 0.1389, 0.1976, ["core_target"], []),
    "B": (3, 1, 2, 0.1667, 0.4805, [], []),
    "C": (
        24,
        80,
        4,
        0.1449,
        0.0693,
        ["dependency_spread", "core_target", "merge_conflict"],
        ["thermal_death"],
    ),
    "D": (2, 1, 1, 0.5, 0.6491, ["core_target"], []),
    "clean": (8, 26, 2, 0.4643, 0.202, ["core_target"], []),
    "wide": (21, 40, 5, 0.0952, 0.075, ["core_target"], []),
    "conflicted": (6, 10, 2, 0.3333, 0.2646, ["core_target", "merge_conflict"], []),
    "toplevel": (4, 3, 2, 0.25, 0.4119, ["core_target"], []),
    "critical_one": (4, 2, 2, 0.1667, 0.3246, ["core_target"], []),
    "critical_pair": (5, 5, 2, 0.25, 0.3021, ["core_target"], []),
    "critical_three": (6, 10, 2, 0.3333, 0.2646, ["core_target"], []),
}


@pytest.mark.parametrize("name", list(INPUTS))
def test_scores(name: str) -> None:
    p = evaluate_risk(*INPUTS[name], now=NOW).to_payload()
    s = p["signals"]
    got = (
        s["entropic_load"],
        s["contextual_value"],
        s["complexity_delta"],
        s["path_dependence"],
        p["risk_score"],
        p["damage_score"],
        p["propagation_score"],
        p["containment_score"],
        classify(p["risk_score"]),
    )
    assert got == SCORES[name]
    assert p["entropy_score"] == s["entropic_load"]


@pytest.mark.parametrize("name", list(INPUTS))
def test_structure(name: str) -> None:
    p = evaluate_risk(*INPUTS[name], now=NOW).to_payload()
    gm = p["graph_metrics"]
    got = (
        gm["nodes"],
        gm["edges"],
        gm["components"],
        gm["density"],
        gm["pagerank_max"],
        [f["code"].removeprefix("semantic.") for f in p["findings"]],
        [b["type"] for b in p["bombs"]],
    )
    assert got == STRUCTURE[name]


def test_diagnostic_codes_of_the_clean_and_conflicted_changes() -> None:
    def codes(name: str) -> list[tuple[str, str]]:
        ev = evaluate_risk(*INPUTS[name], now=NOW)
        return [(d["severity"], d["code"]) for d in ev.diagnostics]

    # A clean change in one package no longer reads as a wide blast radius (co_located edges
    # are not propagation in version 2).
    assert codes("clean") == [("high", "semantic.core_target")]
    assert codes("conflicted") == [
        ("critical", "diag.merge_conflict"),
        ("critical", "semantic.merge_conflict"),
        ("high", "diag.high_entropy"),
        ("high", "diag.high_entropic_load"),
        ("high", "diag.high_contextual_value"),
        ("high", "semantic.core_target"),
        ("medium", "diag.path_dependent"),
    ]
