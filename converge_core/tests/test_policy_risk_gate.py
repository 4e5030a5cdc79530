"""Risk gate: breaches, rollout buckets, shadow/enforce and tenant limits."""

from __future__ import annotations

from dataclasses import replace

import pytest

from converge_core.errors import InvalidInput
from converge_core.policy import (
    RiskLimits,
    bucket_from_hexdigest,
    default_policy,
    evaluate_risk_gate,
    policy_from_document,
    resolve_risk_limits,
    rollout_bucket,
    validate_tenant_risk_policy,
)

BREACHING = {"risk_score": 70.0, "damage_score": 60.0, "propagation_score": 80.5}


@pytest.mark.parametrize(
    ("intent_id", "bucket"),
    [("intent-abc", 0.787377), ("test-intent", 0.774846), ("abc123", 0.424335)],
)
def test_bucket_vectors(intent_id: str, bucket: float) -> None:
    assert round(rollout_bucket(intent_id), 6) == bucket


def test_bucket_divides_by_two_to_the_32() -> None:
    assert bucket_from_hexdigest("c9918448" + "0" * 56) == 0xC9918448 / 2**32
    assert bucket_from_hexdigest("ffffffff" + "f" * 56) == (2**32 - 1) / 2**32
    assert bucket_from_hexdigest("ffffffff" + "f" * 56) < 1.0


def test_no_intent_id_is_bucket_zero() -> None:
    assert rollout_bucket(None) == 0.0
    assert rollout_bucket("") == 0.0


def test_breaches_are_strict_and_ordered() -> None:
    result = evaluate_risk_gate(BREACHING, RiskLimits(), "intent-abc")

    assert [breach.as_dict() for breach in result.breaches] == [
        {"metric": "risk_score", "value": 70.0, "limit": 65.0},
        {"metric": "propagation_score", "value": 80.5, "limit": 55.0},
    ]
    assert result.would_block


def test_no_breach_never_blocks() -> None:
    scores = {"risk_score": 65.0, "damage_score": 60.0, "propagation_score": 55.0}

    result = evaluate_risk_gate(scores, RiskLimits(mode="enforce"), "intent-abc")

    assert (result.would_block, result.enforced, result.breaches) == (False, False, ())


def test_shadow_never_enforces() -> None:
    result = evaluate_risk_gate(BREACHING, RiskLimits(mode="shadow", enforce_ratio=1.0), "abc123")

    assert (result.would_block, result.in_enforcement_group, result.enforced) == (
        True,
        True,
        False,
    )


@pytest.mark.parametrize(
    ("ratio", "intent_id", "enforced"),
    [
        (0.0, "abc123", False),
        (0.0, "intent-abc", False),
        (0.5, "abc123", True),
        (0.5, "intent-abc", False),
        (0.5, "test-intent", False),
        (1.0, "abc123", True),
        (1.0, "intent-abc", True),
        (1.0, "test-intent", True),
    ],
)
def test_enforce_with_ratio(ratio: float, intent_id: str, enforced: bool) -> None:
    limits = RiskLimits(mode="enforce", enforce_ratio=ratio)

    results = {evaluate_risk_gate(BREACHING, limits, intent_id).enforced for _ in range(3)}

    assert results == {enforced}


def test_to_dict_and_block_reason() -> None:
    result = evaluate_risk_gate(
        {"risk_score": 66.0, "damage_score": 10.0, "propagation_score": 10.0},
        RiskLimits(mode="enforce", enforce_ratio=0.9),
        "intent-abc",
    )

    assert result.to_dict() == {
        "would_block": True,
        "enforced": True,
        "mode": "enforce",
        "enforce_ratio": 0.9,
        "rollout_bucket": 0.7874,
        "in_enforcement_group": True,
        "breaches": [{"metric": "risk_score", "value": 66.0, "limit": 65.0}],
    }
    assert result.block_reason() == (
        "Risk gate enforced: [{'metric': 'risk_score', 'value': 66.0, 'limit': 65.0}]"
    )


def test_shadow_evaluation_uses_bucket_zero() -> None:
    limits = replace(RiskLimits(mode="enforce"), mode="shadow")

    result = evaluate_risk_gate(BREACHING, limits, None)

    assert (result.rollout_bucket, result.in_enforcement_group, result.enforced) == (
        0.0,
        True,
        False,
    )


def test_missing_score_is_bad_input() -> None:
    with pytest.raises(InvalidInput, match="Risk evaluation damage_score must be a number"):
        evaluate_risk_gate({"risk_score": 1.0}, RiskLimits(), "x")


def test_limits_default_without_tenant_or_file() -> None:
    assert resolve_risk_limits(None, default_policy()) == RiskLimits(
        max_risk_score=65.0,
        max_damage_score=60.0,
        max_propagation_score=55.0,
        mode="shadow",
        enforce_ratio=1.0,
    )


def test_limits_resolve_tenant_then_file_then_defaults_key_by_key() -> None:
    config = policy_from_document({"risk": {"mode": "enforce", "max_risk_score": 70.0}})
    tenant = {"max_risk_score": 50.0, "enforce_ratio": 0.25, "mode": None, "entropy_budget": 9}

    limits = resolve_risk_limits(tenant, config)

    assert limits == RiskLimits(
        max_risk_score=50.0,
        max_damage_score=60.0,
        max_propagation_score=55.0,
        mode="enforce",
        enforce_ratio=0.25,
    )


def test_tenant_policy_validation_drops_nulls_and_keeps_extra_keys() -> None:
    policy = {"max_risk_score": 40, "mode": None, "max_blast_severity": "low"}

    assert validate_tenant_risk_policy(policy) == {
        "max_risk_score": 40,
        "max_blast_severity": "low",
    }


@pytest.mark.parametrize(
    ("policy", "field", "message"),
    [
        ({"max_risk_score": 101}, "max_risk_score", "max_risk_score must be a number in [0, 100]"),
        ({"max_damage_score": -1}, "max_damage_score", "max_damage_score must be a number"),
        ({"max_propagation_score": "x"}, "max_propagation_score", "got 'x'"),
        ({"mode": "strict"}, "mode", "mode must be one of 'shadow', 'enforce', got 'strict'"),
        ({"enforce_ratio": 1.01}, "enforce_ratio", "enforce_ratio must be a number in [0, 1]"),
        ({"enforce_ratio": True}, "enforce_ratio", "got True"),
    ],
)
def test_tenant_policy_validation_names_the_field(
    policy: dict[str, object], field: str, message: str
) -> None:
    with pytest.raises(InvalidInput) as caught:
        validate_tenant_risk_policy(policy)

    assert message in caught.value.message
    assert caught.value.extra == {"field": field}
    with pytest.raises(InvalidInput):
        resolve_risk_limits(policy, default_policy())
