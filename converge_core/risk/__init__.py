"""Risk evaluation, diagnostics and classification: a pure-Python core (no Django)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from converge_core.lazy import lazy_getattr

# Eager: light, and ``classify`` the function must win over ``classify`` the submodule.
from converge_core.risk.classify import (
    DEFAULT_THRESHOLDS,
    RISK_LEVELS,
    RiskLevel,
    classify,
    effective_level,
)

if TYPE_CHECKING:
    from converge_core.risk.diagnostics import build_diagnostics
    from converge_core.risk.evaluation import (
        DEFAULT_SCORING_VERSION,
        SCORING_VERSIONS,
        RiskEvaluation,
        evaluate_risk,
    )
    from converge_core.risk.inputs import CouplingRecord, RiskIntent, RiskSimulation
    from converge_core.risk.scoring import Signals

# Each name is imported from its module when first used, so importing one submodule (or one
# name) does not import the whole package: a command that never runs it does not pay for it.
_EXPORTS = {
    "build_diagnostics": "converge_core.risk.diagnostics",
    "DEFAULT_SCORING_VERSION": "converge_core.risk.evaluation",
    "SCORING_VERSIONS": "converge_core.risk.evaluation",
    "RiskEvaluation": "converge_core.risk.evaluation",
    "evaluate_risk": "converge_core.risk.evaluation",
    "CouplingRecord": "converge_core.risk.inputs",
    "RiskIntent": "converge_core.risk.inputs",
    "RiskSimulation": "converge_core.risk.inputs",
    "Signals": "converge_core.risk.scoring",
}


__getattr__ = lazy_getattr(__name__, _EXPORTS, globals())


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
