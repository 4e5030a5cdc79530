import hashlib

import pytest

from converge_core.errors import InvalidInput
from converge_core.intake import (
    IntakeConfig,
    IntakeMode,
    admit,
    auto_mode,
    clean_mode,
    effective_score,
    intake_config,
    rollout_bucket,
)

CONFIG = IntakeConfig()


def test_the_bucket_is_the_first_eight_hex_digits_over_two_to_the_32():
    digest = hashlib.sha256(b"intent-1").hexdigest()
    assert rollout_bucket("intent-1") == int(digest[:8], 16) / 2**32
    assert 0 <= rollout_bucket("x") < 1


def test_throttle_admits_ids_below_the_ratio_deterministically():
    ids = [f"i-{n}" for n in range(200)]
    accepted = [
        i for i in ids if admit("throttle", intent_id=i, risk_level="low", ratio=0.5).accepted
    ]
    assert accepted == [i for i in ids if rollout_bucket(i) < 0.5]
    assert 60 < len(accepted) < 140
    decision = admit("throttle", intent_id="i-1", risk_level="low", ratio=0.5)
    bucket = rollout_bucket("i-1")
    assert decision.signals == {"bucket": round(bucket, 4), "throttle_ratio": 0.5}
    verb, op = ("accepted", "<") if bucket < 0.5 else ("rejected", ">=")
    assert decision.reason == f"throttle mode: {verb} (bucket={bucket:.4f} {op} ratio=0.5)"
    assert admit("throttle", intent_id="i-1", risk_level="low", ratio=0.0).accepted is False
    assert admit("throttle", intent_id="i-1", risk_level="low", ratio=1.0).accepted is True


def test_pause_admits_only_critical_and_open_admits_all():
    refused = admit("pause", intent_id="a", risk_level="medium", ratio=0.5)
    assert (refused.accepted, refused.reason) == (
        False,
        "pause mode: only critical-risk intents accepted (got medium)",
    )
    critical = admit("pause", intent_id="a", risk_level="critical", ratio=0.5)
    assert (critical.accepted, critical.reason) == (
        True,
        "pause mode: critical-risk intent accepted",
    )
    opened = admit("open", intent_id="a", risk_level="low", ratio=0.5)
    assert (opened.accepted, opened.reason) == (True, "open mode: accepting all intents")


@pytest.mark.parametrize(
    ("health", "debt", "mode"),
    [
        (100, 0, "open"),
        (100, 29.9, "open"),
        (100, 30, "throttle"),  # the runbook's "debt 30-70 → throttle"
        (100, 70, "throttle"),
        (100, 70.1, "pause"),
        (59.9, 0, "throttle"),
        (29.9, 0, "pause"),
        (30, 10, "throttle"),
        (50, 80, "pause"),  # the worse of the two
        (20, None, "pause"),  # debt disabled: health only
        (100, None, "open"),
    ],
)
def test_auto_mode_takes_the_worse_of_health_and_debt(health, debt, mode):
    assert auto_mode(health, debt, CONFIG) == IntakeMode(mode)


def test_effective_score_is_the_lower_of_health_and_100_minus_debt():
    assert effective_score(80.0, 30.0) == 70.0
    assert effective_score(55.55, 10.0) == 55.5
    assert effective_score(80.0, None) == 80.0


def test_the_policy_section_is_validated():
    assert intake_config(None) == CONFIG
    assert intake_config({"throttle_ratio": 0.25}).throttle_ratio == 0.25
    with pytest.raises(InvalidInput, match="unknown key"):
        intake_config({"ratio": 1})
    with pytest.raises(InvalidInput, match="between 0 and 1"):
        intake_config({"throttle_ratio": 2})
    with pytest.raises(InvalidInput, match="expected a number"):
        intake_config({"pause_below_health": "30"})
    with pytest.raises(InvalidInput, match="exceeds"):
        intake_config({"pause_below_health": 70})


def test_only_the_four_modes_can_be_set():
    assert [clean_mode(m) for m in ("open", "throttle", "pause", "auto")]
    with pytest.raises(InvalidInput, match="Invalid mode: fast. Use open/throttle/pause/auto."):
        clean_mode("fast")
