"""Risk evaluation, diagnostics and classification: a pure-Python core (no Django)."""

from __future__ import annotations

from converge_core.risk.classify import (
    DEFAULT_THRESHOLDS,
    RISK_LEVELS,
    RiskLevel,
    classify,
    effective_level,
)
from converge_core.risk.diagnostics import build_diagnostics
from converge_core.risk.evaluation import (
    DEFAULT_SCORING_VERSION,
    SCORING_VERSIONS,
    RiskEvaluation,
    evaluate_risk,
)
from converge_core.risk.inputs import CouplingRecord, RiskIntent, RiskSimulation
from converge_core.risk.scoring import Signals

__all__ = [
    "DEFAULT_SCORING_VERSION",
    "DEFAULT_THRESHOLDS",
    "RISK_LEVELS",
    "RiskLevel",
    "SCORING_VERSIONS",
    "CouplingRecord",
    "RiskEvaluation",
    "RiskIntent",
    "RiskSimulation",
    "Signals",
    "build_diagnostics",
    "classify",
    "effective_level",
    "evaluate_risk",
]
