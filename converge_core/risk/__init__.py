"""Risk evaluation, diagnostics and classification: a pure-Python core (no Django)."""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

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


def __getattr__(name: str) -> object:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


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
