"""The verdict over all gates, its payloads, and extra gates (decisions §28)."""

from __future__ import annotations

from typing import Any

import pytest

from converge_core.errors import InvalidInput
from converge_core.policy import (
    GateContext,
    GateResult,
    RiskLimits,
    default_policy,
    evaluate_gates,
    policy_from_document,
    resolve_profile,
)

RISK = {
    "risk_score": 31.3,
    "damage_score": 40.7,
    "entropy_score": 12.0,
    "propagation_score": 38.3,
    "containment_score": 0.67,
}


def _context(**changes: Any) -> GateContext:
    values: dict[str, Any] = {
        "intent_id": "intent-abc",
        "risk_level": "medium",
        "profile": resolve_profile(default_policy(), "medium", None),
        "risk": RISK,
        "check_outcomes": {"lint": "passed"},
        "coherence_score": 100.0,
    }
    return GateContext(**{**values, **changes})


def test_all_gates_pass_in_the_fixed_order() -> None:
    evaluation = evaluate_gates(_context())

    assert evaluation.verdict == "ALLOW"
    assert [gate.gate for gate in evaluation.gates] == [
        "verification",
        "containment",
        "entropy",
        "security",
        "coherence",
        "risk",
    ]
    assert (evaluation.risk_level, evaluation.profile_used) == ("medium", "medium")
    assert evaluation.block_reason() is None
    assert evaluation.failed_gates == []


def test_without_a_coherence_score_the_coherence_gate_is_absent() -> None:
    evaluation = evaluate_gates(_context(coherence_score=None))

    assert [gate.gate for gate in evaluation.gates] == [
        "verification",
        "containment",
        "entropy",
        "security",
        "risk",
    ]


def test_every_gate_is_evaluated_and_failures_are_named() -> None:
    risk = {**RISK, "containment_score": 0.2, "entropy_score": 30.0}

    evaluation = evaluate_gates(_context(risk=risk, check_outcomes={}))

    assert evaluation.verdict == "BLOCK"
    assert len(evaluation.gates) == 6
    assert evaluation.failed_gates == ["verification", "containment", "entropy"]
    assert evaluation.block_reason() == (
        "Policy blocked: gates ['verification', 'containment', 'entropy']"
    )


def test_an_enforced_risk_gate_alone_keeps_its_own_reason() -> None:
    context = _context(
        risk={**RISK, "risk_score": 80.0},
        risk_limits=RiskLimits(mode="enforce", enforce_ratio=1.0),
    )

    evaluation = evaluate_gates(context)

    assert evaluation.verdict == "BLOCK"
    assert evaluation.failed_gates == ["risk"]
    assert evaluation.block_reason() == (
        "Risk gate enforced: [{'metric': 'risk_score', 'value': 80.0, 'limit': 65.0}]"
    )
    assert evaluation.risk_gate.enforced


def test_risk_gate_with_other_failures_is_listed_with_them() -> None:
    context = _context(
        risk={**RISK, "risk_score": 80.0, "entropy_score": 19.0},
        risk_limits=RiskLimits(mode="enforce"),
    )

    assert evaluate_gates(context).block_reason() == "Policy blocked: gates ['entropy', 'risk']"


def test_policy_evaluated_payload() -> None:
    evaluation = evaluate_gates(_context(coherence_score=70.0))

    assert evaluation.to_payload("trace-1") == {
        "verdict": "ALLOW",
        "gates": [
            {
                "gate": "verification",
                "passed": True,
                "reason": "All required checks passed",
                "value": 1,
                "threshold": 1,
            },
            {
                "gate": "containment",
                "passed": True,
                "reason": "Containment 0.67 vs min 0.50",
                "value": 0.67,
                "threshold": 0.5,
            },
            {
                "gate": "entropy",
                "passed": True,
                "reason": "Entropy delta 12.0 vs budget 18.0",
                "value": 12.0,
                "threshold": 18.0,
            },
            {
                "gate": "security",
                "passed": True,
                "reason": "Security: 0 critical, 0 high (max critical=0, max high=2)",
                "value": 0,
                "threshold": 2,
            },
            {
                "gate": "coherence",
                "passed": True,
                "reason": "Coherence score 70.0 (warn zone: 60-75)",
                "value": 70.0,
                "threshold": 60,
                "warn": True,
            },
            {
                "gate": "risk",
                "passed": True,
                "reason": "No risk limit breached",
                "value": 0,
                "threshold": 0,
            },
        ],
        "profile_used": "medium",
        "trace_id": "trace-1",
    }


def test_decision_policy_block_shows_reasons_only_on_block() -> None:
    allowed = evaluate_gates(_context(coherence_score=None))
    blocked = evaluate_gates(_context(coherence_score=None, check_outcomes={"lint": "failed"}))

    assert allowed.to_result() == {
        "verdict": "ALLOW",
        "gates": [
            {"gate": "verification", "passed": True},
            {"gate": "containment", "passed": True},
            {"gate": "entropy", "passed": True},
            {"gate": "security", "passed": True},
            {"gate": "risk", "passed": True},
        ],
    }
    assert blocked.to_result()["gates"][0] == {
        "gate": "verification",
        "passed": False,
        "reason": "Missing checks: ['lint']",
    }


def test_warnings_list_the_gates_that_passed_with_a_warning() -> None:
    context = _context(check_outcomes={"lint": "not_configured"}, coherence_score=65.0)

    evaluation = evaluate_gates(context)

    assert evaluation.verdict == "ALLOW"
    assert evaluation.warnings == [
        {"code": "verification_gate_warning", "message": "Checks not configured: ['lint']"},
        {"code": "coherence_gate_warning", "message": "Coherence score 65.0 (warn zone: 60-75)"},
    ]


def test_profile_used_records_the_origin() -> None:
    config = policy_from_document(
        {"origin_overrides": {"agent": {"_default": {"blast_limit": 30}}}}
    )
    profile = resolve_profile(config, "medium", "agent")

    evaluation = evaluate_gates(_context(profile=profile, origin="agent"))

    assert evaluation.profile_used == "medium/agent"
    assert evaluation.to_payload(None)["profile_used"] == "medium/agent"


def _ownership_gate(context: GateContext) -> GateResult | None:
    if context.extra.get("owners_approved") is None:
        return None
    approved = bool(context.extra["owners_approved"])
    return GateResult("ownership", approved, f"Owners approved: {approved}", int(approved), 1)


def test_extra_gates_are_appended_in_order_and_none_is_skipped() -> None:
    def always(context: GateContext) -> GateResult:
        return GateResult("freeze", True, "No change freeze", 0, 0)

    skipped = evaluate_gates(_context(), [_ownership_gate, always])
    blocked = evaluate_gates(_context(extra={"owners_approved": False}), [_ownership_gate, always])

    assert [gate.gate for gate in skipped.gates][-2:] == ["risk", "freeze"]
    assert skipped.verdict == "ALLOW"
    assert [gate.gate for gate in blocked.gates][-3:] == ["risk", "ownership", "freeze"]
    assert blocked.block_reason() == "Policy blocked: gates ['ownership']"


def test_extra_security_gate_takes_the_built_in_place() -> None:
    def scanner_gate(context: GateContext) -> GateResult:
        return GateResult("security", False, "Security: 1 critical, 0 high (scan s-1)", 10, 0)

    evaluation = evaluate_gates(_context(), [scanner_gate])

    assert [gate.gate for gate in evaluation.gates][3] == "security"
    assert len(evaluation.gates) == 6
    assert evaluation.gates[3].reason == "Security: 1 critical, 0 high (scan s-1)"
    assert evaluation.block_reason() == "Policy blocked: gates ['security']"


def test_extra_coherence_gate_fills_its_fixed_position() -> None:
    def harness_gate(context: GateContext) -> GateResult:
        return GateResult("coherence", True, "Coherence score 90.0 (pass threshold=75)", 90.0, 60)

    evaluation = evaluate_gates(_context(coherence_score=None), [harness_gate])

    assert [gate.gate for gate in evaluation.gates] == [
        "verification",
        "containment",
        "entropy",
        "security",
        "coherence",
        "risk",
    ]


@pytest.mark.parametrize("name", ["verification", "risk"])
def test_an_extra_gate_cannot_shadow_a_core_gate(name: str) -> None:
    def impostor(context: GateContext) -> GateResult:
        return GateResult(name, True, "fine", 0, 0)

    with pytest.raises(InvalidInput, match=f"Policy gate '{name}' is evaluated twice"):
        evaluate_gates(_context(), [impostor])


def test_two_extra_gates_with_one_name_are_refused() -> None:
    def first(context: GateContext) -> GateResult:
        return GateResult("security", True, "a", 0, 0)

    with pytest.raises(InvalidInput, match="Policy gate 'security' is evaluated twice"):
        evaluate_gates(_context(), [first, first])
