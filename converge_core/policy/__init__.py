"""Policy: profiles, gates, the risk gate and calibration (pure Python, no Django).

A validation uses it in this order:

1. ``config = load_policy(find_policy_file(explicit, env_path, home))`` (or
   ``policy_from_document`` for a per-tenant document stored in the database);
2. ``profile = resolve_profile(config, level, origin, origin_policy_enabled=flag)``;
3. ``to_run = required_checks(profile, intent.checks_required)``: the same list is gated on;
4. ``evaluate_gates(GateContext(...), extra_gates)`` with ``risk_limits =
   resolve_risk_limits(tenant_policy, config)`` and ``missing_checks = config.missing_checks``.

Nothing here does I/O except ``find_policy_file`` (existence checks) and ``load_policy_file``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from converge_core.lazy import lazy_getattr

if TYPE_CHECKING:
    from converge_core.policy.calibration import calibrate, calibrate_reference, nearest_rank
    from converge_core.policy.config import (
        PolicyConfig,
        QueueSettings,
        RiskSettings,
        default_policy,
        find_policy_file,
        load_policy,
        load_policy_file,
        merge_document,
        policy_from_document,
        policy_problems,
    )
    from converge_core.policy.defaults import LEVELS, ORIGINS, default_document
    from converge_core.policy.gates import (
        ALLOW,
        BLOCK,
        BUILTIN_GATES,
        CHECK_FAILED,
        CHECK_NOT_CONFIGURED,
        CHECK_PASSED,
        CHECK_SKIPPED,
        CHECK_STATUSES,
        CHECK_TIMEOUT,
        Gate,
        GateContext,
        GateResult,
        PolicyEvaluation,
        evaluate_gates,
        gate_coherence,
        gate_containment,
        gate_entropy,
        gate_from_risk_result,
        gate_risk,
        gate_security,
        gate_verification,
    )
    from converge_core.policy.merge import deep_merge
    from converge_core.policy.profiles import ResolvedProfile, required_checks, resolve_profile
    from converge_core.policy.risk_gate import (
        Breach,
        RiskGateResult,
        RiskLimits,
        bucket_from_hexdigest,
        evaluate_risk_gate,
        resolve_risk_limits,
        rollout_bucket,
        validate_tenant_risk_policy,
    )
    from converge_core.policy.validation import PolicyError, validate_document

# Each name is imported from its module when first used: loading the policy file (``config``)
# does not import the gates, the risk gate and the calibration.
_EXPORTS = {
    "calibrate": "converge_core.policy.calibration",
    "calibrate_reference": "converge_core.policy.calibration",
    "nearest_rank": "converge_core.policy.calibration",
    "PolicyConfig": "converge_core.policy.config",
    "QueueSettings": "converge_core.policy.config",
    "RiskSettings": "converge_core.policy.config",
    "default_policy": "converge_core.policy.config",
    "find_policy_file": "converge_core.policy.config",
    "load_policy": "converge_core.policy.config",
    "load_policy_file": "converge_core.policy.config",
    "merge_document": "converge_core.policy.config",
    "policy_from_document": "converge_core.policy.config",
    "policy_problems": "converge_core.policy.config",
    "LEVELS": "converge_core.policy.defaults",
    "ORIGINS": "converge_core.policy.defaults",
    "default_document": "converge_core.policy.defaults",
    "ALLOW": "converge_core.policy.gates",
    "BLOCK": "converge_core.policy.gates",
    "BUILTIN_GATES": "converge_core.policy.gates",
    "CHECK_FAILED": "converge_core.policy.gates",
    "CHECK_NOT_CONFIGURED": "converge_core.policy.gates",
    "CHECK_PASSED": "converge_core.policy.gates",
    "CHECK_SKIPPED": "converge_core.policy.gates",
    "CHECK_STATUSES": "converge_core.policy.gates",
    "CHECK_TIMEOUT": "converge_core.policy.gates",
    "Gate": "converge_core.policy.gates",
    "GateContext": "converge_core.policy.gates",
    "GateResult": "converge_core.policy.gates",
    "PolicyEvaluation": "converge_core.policy.gates",
    "evaluate_gates": "converge_core.policy.gates",
    "gate_coherence": "converge_core.policy.gates",
    "gate_containment": "converge_core.policy.gates",
    "gate_entropy": "converge_core.policy.gates",
    "gate_from_risk_result": "converge_core.policy.gates",
    "gate_risk": "converge_core.policy.gates",
    "gate_security": "converge_core.policy.gates",
    "gate_verification": "converge_core.policy.gates",
    "deep_merge": "converge_core.policy.merge",
    "ResolvedProfile": "converge_core.policy.profiles",
    "required_checks": "converge_core.policy.profiles",
    "resolve_profile": "converge_core.policy.profiles",
    "Breach": "converge_core.policy.risk_gate",
    "RiskGateResult": "converge_core.policy.risk_gate",
    "RiskLimits": "converge_core.policy.risk_gate",
    "bucket_from_hexdigest": "converge_core.policy.risk_gate",
    "evaluate_risk_gate": "converge_core.policy.risk_gate",
    "resolve_risk_limits": "converge_core.policy.risk_gate",
    "rollout_bucket": "converge_core.policy.risk_gate",
    "validate_tenant_risk_policy": "converge_core.policy.risk_gate",
    "PolicyError": "converge_core.policy.validation",
    "validate_document": "converge_core.policy.validation",
}

__getattr__ = lazy_getattr(__name__, _EXPORTS, globals())

__all__ = [
    "ALLOW",
    "BLOCK",
    "BUILTIN_GATES",
    "CHECK_FAILED",
    "CHECK_NOT_CONFIGURED",
    "CHECK_PASSED",
    "CHECK_SKIPPED",
    "CHECK_STATUSES",
    "CHECK_TIMEOUT",
    "LEVELS",
    "ORIGINS",
    "Breach",
    "Gate",
    "GateContext",
    "GateResult",
    "PolicyConfig",
    "PolicyError",
    "PolicyEvaluation",
    "QueueSettings",
    "ResolvedProfile",
    "RiskGateResult",
    "RiskLimits",
    "RiskSettings",
    "bucket_from_hexdigest",
    "calibrate",
    "calibrate_reference",
    "deep_merge",
    "default_document",
    "default_policy",
    "evaluate_gates",
    "evaluate_risk_gate",
    "find_policy_file",
    "gate_coherence",
    "gate_containment",
    "gate_entropy",
    "gate_from_risk_result",
    "gate_risk",
    "gate_security",
    "gate_verification",
    "load_policy",
    "load_policy_file",
    "merge_document",
    "nearest_rank",
    "policy_from_document",
    "policy_problems",
    "required_checks",
    "resolve_profile",
    "resolve_risk_limits",
    "rollout_bucket",
    "validate_document",
    "validate_tenant_risk_policy",
]
