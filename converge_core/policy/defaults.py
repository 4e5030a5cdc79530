"""Built-in policy defaults and the fixed vocabularies of the policy document.

The per-level ``security`` limits live inside the profiles (risk-policy §3 note 2): the
reference kept them in a table no profile contained, so every level fell back to 0/2.

**Entropy budgets** are compared with ``entropy_score`` = entropic load,
``2F + 15C + 6D + 3·dirs + 5(K−1)``. Every change that touches a file has K ≥ 2 (the intent
node has no edge to its files), so the smallest changes already score: one file in a folder
10, two files in one folder 12, one top-level file 7. The reference's ``critical`` budget of
6.0 was below all of them and blocked every critical change for ever (decisions §40). The
budget is fixed, not the scale: the entropy score is the same number in both scoring
versions, in the committed vectors, in repo health (average entropy), in calibration and in
the diagnostics thresholds, and rescaling it would move all of those. ``critical`` is 12.0,
the entropy of the smallest multi-file change (two files in one folder): anything wider — a
third file, a second folder, a dependency (+6), a conflict (+15) — is over it. That equals
``high``'s budget, which the monotonicity rule allows (budgets must not increase from ``low``
to ``critical``); ``critical`` stays stricter than ``high`` through containment (0.85), its
checks and the human review every critical intent waits for, not through an unreachable
budget.
"""

from __future__ import annotations

import copy
from typing import Any

from converge_core.origins import OriginType
from converge_core.risk.classify import RISK_LEVELS, RiskLevel

LEVELS: tuple[str, ...] = RISK_LEVELS
FALLBACK_LEVEL = str(RiskLevel.MEDIUM)
# the origins a policy document may give overrides of their own
ORIGINS: tuple[str, ...] = tuple(
    str(origin) for origin in (OriginType.HUMAN, OriginType.AGENT, OriginType.INTEGRATION)
)
DEFAULT_OVERRIDE_KEY = "_default"
MISSING_CHECKS_MODES: tuple[str, ...] = ("warn", "block")
RISK_MODES: tuple[str, ...] = ("shadow", "enforce")
SCORING_VERSIONS: tuple[int, ...] = (1, 2)
RISK_LIMIT_KEYS: tuple[str, ...] = ("max_risk_score", "max_damage_score", "max_propagation_score")

PROFILE_KEYS: tuple[str, ...] = (
    "entropy_budget",
    "containment_min",
    "blast_limit",
    "checks",
    "coherence_pass",
    "coherence_warn",
    "security",
    "batch",
)
SECURITY_KEYS: tuple[str, ...] = ("max_critical", "max_high")

DEFAULT_PROFILES: dict[str, dict[str, Any]] = {
    "low": {
        "entropy_budget": 25.0,
        "containment_min": 0.3,
        "blast_limit": 50.0,
        "checks": ["lint"],
        "coherence_pass": 75,
        "coherence_warn": 60,
        "security": {"max_critical": 0, "max_high": 5},
        "batch": True,
    },
    "medium": {
        "entropy_budget": 18.0,
        "containment_min": 0.5,
        "blast_limit": 35.0,
        "checks": ["lint"],
        "coherence_pass": 75,
        "coherence_warn": 60,
        "security": {"max_critical": 0, "max_high": 2},
        "batch": True,
    },
    "high": {
        "entropy_budget": 12.0,
        "containment_min": 0.7,
        "blast_limit": 20.0,
        "checks": ["lint", "unit_tests"],
        "coherence_pass": 80,
        "coherence_warn": 65,
        "security": {"max_critical": 0, "max_high": 0},
        "batch": True,
    },
    "critical": {
        "entropy_budget": 12.0,
        "containment_min": 0.85,
        "blast_limit": 10.0,
        "checks": ["lint", "unit_tests"],
        "coherence_pass": 85,
        "coherence_warn": 70,
        "security": {"max_critical": 0, "max_high": 0},
        "batch": False,
    },
}

DEFAULT_BATCH: dict[str, Any] = {"size": 4, "min_size": 1, "max_size": 16, "adaptive": True}
DEFAULT_QUEUE: dict[str, Any] = {
    "max_retries": 3,
    "default_target": "main",
    "batch": DEFAULT_BATCH,
    "aging_minutes": 60,
    "freezes": [],
}
# ``checks.flaky_retries``: re-runs of a failed check on the same tree before it counts as
# failed (an integer beside the check commands, not a check).
FLAKY_RETRIES_KEY = "flaky_retries"

DEFAULT_RISK: dict[str, Any] = {
    "max_risk_score": 65.0,
    "max_damage_score": 60.0,
    "max_propagation_score": 55.0,
    "mode": "shadow",
    "enforce_ratio": 1.0,
    "scoring_version": 2,
    "allow_downgrade": False,
    "classification": {"low": 0.0, "medium": 25.0, "high": 50.0, "critical": 75.0},
}


def default_document() -> dict[str, Any]:
    """A fresh copy of the built-in policy document (callers may mutate it)."""
    return copy.deepcopy(
        {
            "profiles": DEFAULT_PROFILES,
            "queue": DEFAULT_QUEUE,
            "risk": DEFAULT_RISK,
            "checks": {},
            "missing_checks": "warn",
            "origin_overrides": {},
        }
    )
