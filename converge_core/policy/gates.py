"""Policy gates, the verdict, and the extension point for extra gates (decisions §28).

The built-in gates run in a fixed order and are all evaluated: verification, containment,
entropy, security, coherence (only when a score is supplied) and ``risk`` (the risk gate
reported as a gate, risk-policy §3 note 9). ``blast_limit`` stays inert: it is validated but
no gate enforces it (note 3), so enabling it is an explicit later decision.

An extra gate (a ``CONVERGE_POLICY_GATES`` hook) is any ``Gate`` callable. Its result is
appended after the built-in gates, unless it is named ``security`` or ``coherence``: those two
are meant to be supplied by the security and coherence apps, so such a result takes the
built-in gate's place in the fixed order. Any other repeated name is an error.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from converge_core import checks
from converge_core.errors import InvalidInput
from converge_core.policy.profiles import ResolvedProfile, required_checks
from converge_core.policy.risk_gate import (
    RiskGateResult,
    RiskLimits,
    evaluate_risk_gate,
    score_of,
)

# the statuses of a check outcome (converge_core.checks)
CHECK_PASSED = checks.PASSED
CHECK_FAILED = checks.FAILED
CHECK_TIMEOUT = checks.TIMEOUT
CHECK_NOT_CONFIGURED = checks.NOT_CONFIGURED
CHECK_SKIPPED = checks.SKIPPED
CHECK_STATUSES: tuple[str, ...] = (
    CHECK_PASSED,
    CHECK_FAILED,
    CHECK_TIMEOUT,
    CHECK_NOT_CONFIGURED,
    CHECK_SKIPPED,
)
ALLOW = "ALLOW"
BLOCK = "BLOCK"
REPLACEABLE_GATES = frozenset({"security", "coherence"})


@dataclass(frozen=True)
class GateResult:
    """One gate's answer. ``warn`` marks a pass that deserves attention (warn zone, checks
    not configured, a risk breach in shadow)."""

    gate: str
    passed: bool
    reason: str
    value: float
    threshold: float
    warn: bool = False

    def as_dict(self) -> dict[str, Any]:
        """``{gate, passed, reason, value, threshold}``, plus ``warn`` only when true."""
        result: dict[str, Any] = {
            "gate": self.gate,
            "passed": self.passed,
            "reason": self.reason,
            "value": self.value,
            "threshold": self.threshold,
        }
        if self.warn:
            result["warn"] = True
        return result


@dataclass(frozen=True)
class GateContext:
    """Everything a gate may read about one validation.

    ``risk`` is the RiskEvaluation payload (the gates read its ``*_score`` keys).
    ``check_outcomes`` maps each check name to one of ``CHECK_STATUSES``; with skip-checks the
    caller records the required checks as ``skipped``. ``checks_required`` is the intent's
    own list (the profile's checks are added to it). ``findings`` are the open security
    findings (``[{severity, ...}]``) of the latest completed scan; none = no scan.
    ``extra`` carries what the caller holds for the extra gates (``dry_run``, and the
    caller's own record of the intent under ``intent``, so a gate need not read it again).
    """

    intent_id: str | None
    risk_level: str
    profile: ResolvedProfile
    risk: Mapping[str, Any]
    risk_limits: RiskLimits = field(default_factory=RiskLimits)
    origin: str | None = None
    tenant_id: str | None = None
    checks_required: Sequence[str] = ()
    check_outcomes: Mapping[str, str] = field(default_factory=dict)
    missing_checks: str = "warn"
    findings: Sequence[Mapping[str, Any]] = ()
    coherence_score: float | None = None
    simulation: Mapping[str, Any] | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def required_checks(self) -> list[str]:
        return required_checks(self.profile, self.checks_required)


Gate = Callable[[GateContext], GateResult | None]


def _number_text(value: float) -> str:
    # Thresholds read from JSON may be ints or floats; show 75 and 75.0 alike as "75".
    return f"{value:g}"


def gate_verification(context: GateContext) -> GateResult:
    """Every required check passed (or was skipped by the caller). A ``not_configured`` check
    passes with a warning in ``missing_checks: warn`` mode and counts as missing in ``block``."""
    required = context.required_checks
    statuses = {name: context.check_outcomes.get(name, CHECK_FAILED) for name in required}
    unknown = sorted({status for status in statuses.values() if status not in CHECK_STATUSES})
    if unknown:
        raise InvalidInput(f"Unknown check status {unknown} (expected one of {CHECK_STATUSES})")
    satisfied = [name for name in required if statuses[name] in (CHECK_PASSED, CHECK_SKIPPED)]
    not_configured = [name for name in required if statuses[name] == CHECK_NOT_CONFIGURED]
    tolerated = not_configured if context.missing_checks == "warn" else []
    missing = [name for name in required if name not in satisfied and name not in tolerated]
    if missing:
        unconfigured = [name for name in missing if name in not_configured]
        reason = f"Missing checks: {missing}"
        if unconfigured:
            reason += f" (not configured: {unconfigured})"
    elif tolerated:
        reason = f"Checks not configured: {tolerated}"
    else:
        reason = "All required checks passed"
    return GateResult(
        "verification",
        not missing,
        reason,
        len(satisfied),
        len(required),
        warn=not missing and bool(tolerated),
    )


def gate_containment(context: GateContext) -> GateResult:
    score, minimum = score_of(context.risk, "containment_score"), context.profile.containment_min
    return GateResult(
        "containment",
        score >= minimum,
        f"Containment {score:.2f} vs min {minimum:.2f}",
        score,
        minimum,
    )


def gate_entropy(context: GateContext) -> GateResult:
    delta, budget = score_of(context.risk, "entropy_score"), context.profile.entropy_budget
    return GateResult(
        "entropy",
        delta <= budget,
        f"Entropy delta {delta:.1f} vs budget {budget:.1f}",
        delta,
        budget,
    )


def gate_security(context: GateContext) -> GateResult:
    """Open critical and high findings against the profile's limits; lower severities never
    block."""
    severities = [str(finding.get("severity", "")).lower() for finding in context.findings]
    critical, high = severities.count("critical"), severities.count("high")
    max_critical, max_high = context.profile.max_critical, context.profile.max_high
    return GateResult(
        "security",
        critical <= max_critical and high <= max_high,
        f"Security: {critical} critical, {high} high "
        f"(max critical={max_critical}, max high={max_high})",
        critical * 10 + high,
        max_critical * 10 + max_high,
    )


def gate_coherence(context: GateContext) -> GateResult | None:
    """Passes at or above the warn threshold; the warn zone passes with ``warn=True``
    (risk-policy §3 note 8). Skipped when no coherence score was supplied."""
    score = context.coherence_score
    if score is None:
        return None
    passing = _number_text(context.profile.coherence_pass)
    warn = _number_text(context.profile.coherence_warn)
    if score >= context.profile.coherence_pass:
        suffix, passed, in_warn_zone = f"(pass threshold={passing})", True, False
    elif score >= context.profile.coherence_warn:
        suffix, passed, in_warn_zone = f"(warn zone: {warn}-{passing})", True, True
    else:
        suffix, passed, in_warn_zone = f"below warn threshold {warn}", False, False
    return GateResult(
        "coherence",
        passed,
        f"Coherence score {score:.1f} {suffix}",
        score,
        context.profile.coherence_warn,
        warn=in_warn_zone,
    )


def _risk_gate_result(context: GateContext) -> RiskGateResult:
    return evaluate_risk_gate(context.risk, context.risk_limits, context.intent_id)


def gate_from_risk_result(result: RiskGateResult) -> GateResult:
    """The risk gate as a ``GateResult``: value = number of breaches, threshold = 0. It fails
    only when enforced; a breach that is not enforced passes with ``warn=True``."""
    breaches = [breach.as_dict() for breach in result.breaches]
    if result.enforced:
        reason = result.block_reason()
    elif result.would_block:
        why = "shadow mode" if result.mode != "enforce" else "outside the enforcement group"
        reason = f"Risk gate not enforced ({why}): {breaches}"
    else:
        reason = "No risk limit breached"
    return GateResult(
        "risk",
        not result.enforced,
        reason,
        len(breaches),
        0,
        warn=result.would_block and not result.enforced,
    )


def gate_risk(context: GateContext) -> GateResult:
    return gate_from_risk_result(_risk_gate_result(context))


BUILTIN_GATES: tuple[tuple[str, Gate], ...] = (
    ("verification", gate_verification),
    ("containment", gate_containment),
    ("entropy", gate_entropy),
    ("security", gate_security),
    ("coherence", gate_coherence),
    ("risk", gate_risk),
)


@dataclass(frozen=True)
class PolicyEvaluation:
    """The verdict over every gate. ``verdict`` is ``ALLOW`` when all gates passed."""

    verdict: str
    gates: tuple[GateResult, ...]
    risk_level: str
    profile_used: str
    risk_gate: RiskGateResult

    @property
    def failed_gates(self) -> list[str]:
        return [result.gate for result in self.gates if not result.passed]

    @property
    def warnings(self) -> list[dict[str, str]]:
        """Decision warnings (``[{code, message}]``) of the gates that passed with a warning."""
        return [
            {"code": f"{result.gate}_gate_warning", "message": result.reason}
            for result in self.gates
            if result.warn
        ]

    def block_reason(self) -> str | None:
        """``None`` on ALLOW. When the risk gate is the only failure its own reason
        (``Risk gate enforced: [...]``) is kept; otherwise ``Policy blocked: gates [...]``."""
        failed = self.failed_gates
        if not failed:
            return None
        if failed == ["risk"]:
            return self.risk_gate.block_reason()
        return f"Policy blocked: gates {failed}"

    def to_payload(self, trace_id: str | None) -> dict[str, Any]:
        """The ``policy.evaluated`` event payload."""
        return {
            "verdict": self.verdict,
            "gates": [result.as_dict() for result in self.gates],
            "profile_used": self.profile_used,
            "trace_id": trace_id,
        }

    def to_result(self) -> dict[str, Any]:
        """The ``policy`` block of a decision: gate reasons are shown only on BLOCK."""
        keys = ("gate", "passed", "reason") if self.verdict == BLOCK else ("gate", "passed")
        return {
            "verdict": self.verdict,
            "gates": [
                {key: value for key, value in result.as_dict().items() if key in keys}
                for result in self.gates
            ],
        }


def evaluate_gates(context: GateContext, extra_gates: Sequence[Gate] = ()) -> PolicyEvaluation:
    """Evaluate every built-in gate, then each extra gate in order (``None`` = skipped)."""
    slots: dict[str, GateResult | None] = {name: gate(context) for name, gate in BUILTIN_GATES}
    from_extras: set[str] = set()
    for gate in extra_gates:
        result = gate(context)
        if result is None:
            continue
        replaceable = result.gate in REPLACEABLE_GATES and result.gate not in from_extras
        if result.gate in slots and not replaceable:
            raise InvalidInput(f"Policy gate {result.gate!r} is evaluated twice")
        slots[result.gate] = result
        from_extras.add(result.gate)
    gates = tuple(result for result in slots.values() if result is not None)
    return PolicyEvaluation(
        verdict=ALLOW if all(result.passed for result in gates) else BLOCK,
        gates=gates,
        risk_level=context.risk_level,
        profile_used=context.profile.profile_used,
        risk_gate=_risk_gate_result(context),
    )
