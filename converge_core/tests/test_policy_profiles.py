"""Profile resolution with origin overrides, and the one required-check list."""

from __future__ import annotations

from converge_core.policy import (
    ResolvedProfile,
    default_policy,
    policy_from_document,
    required_checks,
    resolve_profile,
)

OVERRIDES = {
    "agent": {
        "_default": {"entropy_budget": 15.0, "security": {"max_high": 1}},
        "medium": {"checks": ["lint", "unit_tests"], "coherence_pass": 78},
    }
}


def test_plain_level_profile() -> None:
    profile = resolve_profile(default_policy(), "high", "human")

    assert profile == ResolvedProfile(
        level="high",
        origin=None,
        entropy_budget=12.0,
        containment_min=0.7,
        blast_limit=20.0,
        checks=("lint", "unit_tests"),
        coherence_pass=80,
        coherence_warn=65,
        max_critical=0,
        max_high=0,
    )
    assert profile.profile_used == "high"


def test_unknown_or_missing_level_falls_back_to_medium() -> None:
    assert resolve_profile(default_policy(), "urgent", None).level == "medium"
    assert resolve_profile(default_policy(), None, None).profile_used == "medium"


def test_default_patch_is_layered_under_the_level_patch() -> None:
    config = policy_from_document({"origin_overrides": OVERRIDES})

    profile = resolve_profile(config, "medium", "agent")

    assert profile.entropy_budget == 15.0
    assert profile.checks == ("lint", "unit_tests")
    assert profile.coherence_pass == 78
    assert (profile.max_critical, profile.max_high) == (0, 1)
    assert profile.profile_used == "medium/agent"


def test_levels_without_their_own_patch_get_the_default_patch() -> None:
    config = policy_from_document({"origin_overrides": OVERRIDES})

    profile = resolve_profile(config, "high", "agent")

    assert (profile.entropy_budget, profile.checks) == (15.0, ("lint", "unit_tests"))
    assert profile.coherence_pass == 80
    assert profile.profile_used == "high/agent"


def test_origin_without_rules_is_not_recorded() -> None:
    config = policy_from_document({"origin_overrides": OVERRIDES})

    for origin in ("human", "api", None):
        profile = resolve_profile(config, "medium", origin)
        assert (profile.profile_used, profile.entropy_budget) == ("medium", 18.0)


def test_origin_policy_flag_off_ignores_overrides() -> None:
    config = policy_from_document({"origin_overrides": OVERRIDES})

    profile = resolve_profile(config, "medium", "agent", origin_policy_enabled=False)

    assert profile == resolve_profile(default_policy(), "medium", "agent")
    assert profile.profile_used == "medium"


def test_resolution_does_not_modify_the_config() -> None:
    config = policy_from_document({"origin_overrides": OVERRIDES})

    resolve_profile(config, "medium", "agent")

    assert config.profiles["medium"]["checks"] == ["lint"]
    assert config.profiles["medium"]["security"] == {"max_critical": 0, "max_high": 2}


def test_as_dict_has_the_policy_json_shape() -> None:
    config = policy_from_document({"origin_overrides": OVERRIDES})

    assert resolve_profile(config, "low", "agent").as_dict() == {
        "profile_used": "low/agent",
        "entropy_budget": 15.0,
        "containment_min": 0.3,
        "blast_limit": 50.0,
        "checks": ["lint"],
        "coherence_pass": 75,
        "coherence_warn": 60,
        "security": {"max_critical": 0, "max_high": 1},
    }


def test_required_checks_union_keeps_order_without_repeats() -> None:
    profile = resolve_profile(default_policy(), "high", None)

    assert required_checks(profile, ["security_scan", "lint", "contract_tests"]) == [
        "lint",
        "unit_tests",
        "security_scan",
        "contract_tests",
    ]
    assert required_checks(profile) == ["lint", "unit_tests"]


def test_required_checks_follow_the_origin_override() -> None:
    config = policy_from_document({"origin_overrides": OVERRIDES})

    assert required_checks(resolve_profile(config, "medium", "agent"), ["lint"]) == [
        "lint",
        "unit_tests",
    ]
