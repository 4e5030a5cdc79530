"""Each built-in gate: pass, fail and the exact reason strings."""

from __future__ import annotations

from typing import Any

import pytest

from converge_core.errors import InvalidInput
from converge_core.policy import (
    GateContext,
    RiskLimits,
    default_policy,
    gate_coherence,
    gate_containment,
    gate_entropy,
    gate_risk,
    gate_security,
    gate_verification,
    resolve_profile,
)

RISK = {
    "risk_score": 31.3,
    "damage_score": 40.7,
    "entropy_score": 12.0,
    "propagation_score": 38.3,
    "containment_score": 0.67,
}


def _context(level: str = "medium", **changes: Any) -> GateContext:
    values: dict[str, Any] = {
        "intent_id": "intent-abc",
        "risk_level": level,
        "profile": resolve_profile(default_policy(), level, None),
        "risk": RISK,
        "check_outcomes": {"lint": "passed", "unit_tests": "passed"},
    }
    return GateContext(**{**values, **changes})


def _risk(**scores: float) -> dict[str, float]:
    return {**RISK, **scores}


def test_verification_passes_when_every_required_check_passed() -> None:
    result = gate_verification(_context("high"))

    assert result.as_dict() == {
        "gate": "verification",
        "passed": True,
        "reason": "All required checks passed",
        "value": 2,
        "threshold": 2,
    }


@pytest.mark.parametrize("status", ["failed", "timeout"])
def test_verification_fails_on_a_failed_check(status: str) -> None:
    context = _context("high", check_outcomes={"lint": "passed", "unit_tests": status})

    result = gate_verification(context)

    assert (result.passed, result.reason) == (False, "Missing checks: ['unit_tests']")
    assert (result.value, result.threshold) == (1, 2)


def test_verification_treats_a_check_without_outcome_as_missing() -> None:
    result = gate_verification(_context("high", check_outcomes={"lint": "passed"}))

    assert (result.passed, result.reason) == (False, "Missing checks: ['unit_tests']")


def test_verification_requires_the_intents_own_checks_too() -> None:
    context = _context(checks_required=["security_scan"], check_outcomes={"lint": "passed"})

    result = gate_verification(context)

    assert (result.passed, result.reason) == (False, "Missing checks: ['security_scan']")
    assert (result.value, result.threshold) == (1, 2)


def test_verification_is_satisfied_by_skipped_checks() -> None:
    context = _context("high", check_outcomes={"lint": "skipped", "unit_tests": "skipped"})

    result = gate_verification(context)

    assert (result.passed, result.reason, result.warn) == (
        True,
        "All required checks passed",
        False,
    )
    assert (result.value, result.threshold) == (2, 2)


def test_not_configured_check_passes_with_a_warning_in_warn_mode() -> None:
    outcomes = {"lint": "passed", "unit_tests": "not_configured"}

    result = gate_verification(_context("high", check_outcomes=outcomes, missing_checks="warn"))

    assert result.as_dict() == {
        "gate": "verification",
        "passed": True,
        "reason": "Checks not configured: ['unit_tests']",
        "value": 1,
        "threshold": 2,
        "warn": True,
    }


def test_not_configured_check_blocks_in_block_mode() -> None:
    outcomes = {"lint": "passed", "unit_tests": "not_configured"}

    result = gate_verification(_context("high", check_outcomes=outcomes, missing_checks="block"))

    assert (result.passed, result.warn) == (False, False)
    assert result.reason == "Missing checks: ['unit_tests'] (not configured: ['unit_tests'])"


def test_a_failure_outweighs_a_tolerated_missing_command() -> None:
    outcomes = {"lint": "failed", "unit_tests": "not_configured"}

    result = gate_verification(_context("high", check_outcomes=outcomes))

    assert (result.passed, result.reason, result.warn) == (
        False,
        "Missing checks: ['lint']",
        False,
    )


def test_unknown_check_status_is_rejected() -> None:
    with pytest.raises(InvalidInput, match="Unknown check status \\['ok'\\]"):
        gate_verification(_context(check_outcomes={"lint": "ok"}))


def test_containment_pass_and_fail() -> None:
    passed = gate_containment(_context())
    at_minimum = gate_containment(_context(risk=_risk(containment_score=0.5)))
    failed = gate_containment(_context(risk=_risk(containment_score=0.456)))

    assert passed.as_dict() == {
        "gate": "containment",
        "passed": True,
        "reason": "Containment 0.67 vs min 0.50",
        "value": 0.67,
        "threshold": 0.5,
    }
    assert at_minimum.passed
    assert (failed.passed, failed.reason) == (False, "Containment 0.46 vs min 0.50")


def test_entropy_pass_and_fail() -> None:
    passed = gate_entropy(_context())
    at_budget = gate_entropy(_context(risk=_risk(entropy_score=18.0)))
    failed = gate_entropy(_context("high", risk=_risk(entropy_score=12.05)))

    assert passed.as_dict() == {
        "gate": "entropy",
        "passed": True,
        "reason": "Entropy delta 12.0 vs budget 18.0",
        "value": 12.0,
        "threshold": 18.0,
    }
    assert at_budget.passed
    assert (failed.passed, failed.reason) == (False, "Entropy delta 12.1 vs budget 12.0")


def test_a_missing_score_is_bad_input() -> None:
    with pytest.raises(InvalidInput, match="Risk evaluation entropy_score must be a number"):
        gate_entropy(_context(risk={"containment_score": 1.0}))


def test_security_without_findings_passes() -> None:
    assert gate_security(_context()).as_dict() == {
        "gate": "security",
        "passed": True,
        "reason": "Security: 0 critical, 0 high (max critical=0, max high=2)",
        "value": 0,
        "threshold": 2,
    }


def test_security_counts_high_findings_against_the_level_limit() -> None:
    findings = [{"severity": "high"}, {"severity": "HIGH"}, {"severity": "medium"}]

    at_medium = gate_security(_context(findings=findings))
    at_high = gate_security(_context("high", findings=findings))
    at_low = gate_security(_context("low", findings=findings * 3))

    assert (at_medium.passed, at_medium.value, at_medium.threshold) == (True, 2, 2)
    assert (at_high.passed, at_high.value, at_high.threshold) == (False, 2, 0)
    assert at_high.reason == "Security: 0 critical, 2 high (max critical=0, max high=0)"
    assert (at_low.passed, at_low.reason) == (
        False,
        "Security: 0 critical, 6 high (max critical=0, max high=5)",
    )


def test_security_blocks_on_a_critical_finding() -> None:
    result = gate_security(
        _context("low", findings=[{"severity": "critical"}, {"severity": "low"}])
    )

    assert (result.passed, result.value, result.threshold) == (False, 10, 5)
    assert result.reason == "Security: 1 critical, 0 high (max critical=0, max high=5)"


def test_coherence_is_skipped_without_a_score() -> None:
    assert gate_coherence(_context()) is None


@pytest.mark.parametrize(
    ("level", "score", "passed", "warn", "reason"),
    [
        ("medium", 80, True, False, "Coherence score 80.0 (pass threshold=75)"),
        ("medium", 75, True, False, "Coherence score 75.0 (pass threshold=75)"),
        ("medium", 74.96, True, True, "Coherence score 75.0 (warn zone: 60-75)"),
        ("medium", 60, True, True, "Coherence score 60.0 (warn zone: 60-75)"),
        ("medium", 59.9, False, False, "Coherence score 59.9 below warn threshold 60"),
        ("critical", 80, True, True, "Coherence score 80.0 (warn zone: 70-85)"),
        ("critical", 55, False, False, "Coherence score 55.0 below warn threshold 70"),
    ],
)
def test_coherence_zones(level: str, score: float, passed: bool, warn: bool, reason: str) -> None:
    result = gate_coherence(_context(level, coherence_score=score))

    assert result is not None
    assert (result.passed, result.warn, result.reason) == (passed, warn, reason)
    assert result.value == score


def test_coherence_threshold_is_the_warn_value() -> None:
    result = gate_coherence(_context("high", coherence_score=70.0))

    assert result is not None
    assert (result.value, result.threshold) == (70.0, 65)


def test_risk_gate_without_breach() -> None:
    assert gate_risk(_context()).as_dict() == {
        "gate": "risk",
        "passed": True,
        "reason": "No risk limit breached",
        "value": 0,
        "threshold": 0,
    }


def test_risk_gate_breach_in_shadow_passes_with_a_warning() -> None:
    result = gate_risk(_context(risk=_risk(risk_score=70.0)))

    assert result.as_dict() == {
        "gate": "risk",
        "passed": True,
        "reason": "Risk gate not enforced (shadow mode): "
        "[{'metric': 'risk_score', 'value': 70.0, 'limit': 65.0}]",
        "value": 1,
        "threshold": 0,
        "warn": True,
    }


def test_risk_gate_breach_outside_the_enforcement_group_passes_with_a_warning() -> None:
    limits = RiskLimits(mode="enforce", enforce_ratio=0.5)

    result = gate_risk(_context(risk=_risk(damage_score=61.0), risk_limits=limits))

    assert (result.passed, result.warn) == (True, True)
    assert result.reason == (
        "Risk gate not enforced (outside the enforcement group): "
        "[{'metric': 'damage_score', 'value': 61.0, 'limit': 60.0}]"
    )


def test_enforced_risk_gate_fails() -> None:
    limits = RiskLimits(mode="enforce", enforce_ratio=1.0)

    result = gate_risk(_context(risk=_risk(propagation_score=56.0), risk_limits=limits))

    assert (result.passed, result.warn, result.value) == (False, False, 1)
    assert result.reason == (
        "Risk gate enforced: [{'metric': 'propagation_score', 'value': 56.0, 'limit': 55.0}]"
    )
