"""The risk gate (risk-policy §4): limit breaches, deterministic rollout, shadow vs enforce."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from converge_core.errors import InvalidInput
from converge_core.policy.config import PolicyConfig
from converge_core.policy.defaults import DEFAULT_RISK, RISK_LIMIT_KEYS, RISK_MODES
from converge_core.policy.validation import is_number

# Score compared with each limit, in the order breaches are reported.
_METRICS: tuple[tuple[str, str], ...] = (
    ("risk_score", "max_risk_score"),
    ("damage_score", "max_damage_score"),
    ("propagation_score", "max_propagation_score"),
)
TENANT_POLICY_FIELDS: tuple[str, ...] = (*RISK_LIMIT_KEYS, "mode", "enforce_ratio")


@dataclass(frozen=True)
class RiskLimits:
    """The effective risk-gate settings of one evaluation."""

    max_risk_score: float = DEFAULT_RISK["max_risk_score"]
    max_damage_score: float = DEFAULT_RISK["max_damage_score"]
    max_propagation_score: float = DEFAULT_RISK["max_propagation_score"]
    mode: str = DEFAULT_RISK["mode"]
    enforce_ratio: float = DEFAULT_RISK["enforce_ratio"]


@dataclass(frozen=True)
class Breach:
    metric: str
    value: float
    limit: float

    def as_dict(self) -> dict[str, Any]:
        return {"metric": self.metric, "value": self.value, "limit": self.limit}


@dataclass(frozen=True)
class RiskGateResult:
    would_block: bool
    enforced: bool
    mode: str
    enforce_ratio: float
    rollout_bucket: float
    in_enforcement_group: bool
    breaches: tuple[Breach, ...]

    def to_dict(self) -> dict[str, Any]:
        """The ``risk_gate`` block of a decision (bucket rounded to 4 dp)."""
        return {
            "would_block": self.would_block,
            "enforced": self.enforced,
            "mode": self.mode,
            "enforce_ratio": self.enforce_ratio,
            "rollout_bucket": round(self.rollout_bucket, 4),
            "in_enforcement_group": self.in_enforcement_group,
            "breaches": [breach.as_dict() for breach in self.breaches],
        }

    def block_reason(self) -> str:
        """``Risk gate enforced: [{'metric': ..., 'value': ..., 'limit': ...}]``."""
        return f"Risk gate enforced: {[breach.as_dict() for breach in self.breaches]}"


def bucket_from_hexdigest(hexdigest: str) -> float:
    """The rollout bucket of a SHA-256 hex digest: its first 8 hex digits over 2**32.

    Dividing by 2**32 (not 0xFFFFFFFF, as the reference did) keeps the bucket below 1.0, so
    a ratio of 1.0 really enforces every intent (risk-policy §4 note 2).
    """
    return int(hexdigest[:8], 16) / 2**32


def rollout_bucket(intent_id: str | None) -> float:
    """Deterministic bucket in [0, 1) of an intent id; 0.0 without an id. Intake throttling
    uses the same function."""
    if not intent_id:
        return 0.0
    return bucket_from_hexdigest(hashlib.sha256(intent_id.encode("utf-8")).hexdigest())


def validate_tenant_risk_policy(policy: Mapping[str, Any]) -> dict[str, Any]:
    """The tenant risk policy with null fields dropped; ``InvalidInput`` names a bad field.

    Keys other than the risk-gate fields are kept as given: the reference API accepted
    free extra keys and stored policies may carry them.
    """
    cleaned = {key: value for key, value in policy.items() if value is not None}
    for key in RISK_LIMIT_KEYS:
        value = cleaned.get(key)
        if key in cleaned and not (is_number(value) and 0 <= value <= 100):
            raise InvalidInput(f"{key} must be a number in [0, 100], got {value!r}", field=key)
    if "mode" in cleaned and cleaned["mode"] not in RISK_MODES:
        raise InvalidInput(
            f"mode must be one of 'shadow', 'enforce', got {cleaned['mode']!r}", field="mode"
        )
    ratio = cleaned.get("enforce_ratio")
    if "enforce_ratio" in cleaned and not (is_number(ratio) and 0 <= ratio <= 1):
        raise InvalidInput(
            f"enforce_ratio must be a number in [0, 1], got {ratio!r}", field="enforce_ratio"
        )
    return cleaned


def resolve_risk_limits(
    tenant_policy: Mapping[str, Any] | None, config: PolicyConfig
) -> RiskLimits:
    """Each setting from the tenant record, else ``policy.json``'s ``risk``, else the default
    (the config already holds the defaults under the file's values)."""
    tenant = validate_tenant_risk_policy(tenant_policy or {})
    return RiskLimits(
        **{name: tenant.get(name, getattr(config.risk, name)) for name in TENANT_POLICY_FIELDS}
    )


def score_of(scores: Mapping[str, Any], name: str) -> float:
    """A score of a RiskEvaluation payload; a missing or non-numeric score is bad input."""
    value = scores.get(name)
    if not is_number(value):
        raise InvalidInput(f"Risk evaluation {name} must be a number, got {value!r}", field=name)
    return float(value)


def evaluate_risk_gate(
    scores: Mapping[str, Any], limits: RiskLimits, intent_id: str | None
) -> RiskGateResult:
    """Breaches (value > limit, strict) of ``scores`` and whether the gate is enforced.

    For the explicit shadow evaluation pass ``replace(limits, mode="shadow")`` and no id.
    """
    breaches = tuple(
        Breach(metric, value, getattr(limits, limit_name))
        for metric, limit_name in _METRICS
        if (value := score_of(scores, metric)) > getattr(limits, limit_name)
    )
    bucket = rollout_bucket(intent_id)
    in_group = bucket < limits.enforce_ratio
    would_block = bool(breaches)
    return RiskGateResult(
        would_block=would_block,
        enforced=limits.mode == "enforce" and would_block and in_group,
        mode=limits.mode,
        enforce_ratio=limits.enforce_ratio,
        rollout_bucket=bucket,
        in_enforcement_group=in_group,
        breaches=breaches,
    )
