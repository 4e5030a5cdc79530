"""Config validation: reference rules, monotonicity, risk, checks and override keys."""

from __future__ import annotations

from typing import Any

import pytest

from converge_core.policy import policy_problems


def _profile(level: str, **values: Any) -> dict[str, Any]:
    return {"profiles": {level: values}}


@pytest.mark.parametrize(
    ("document", "problem"),
    [
        (
            _profile("medium", entropy_budget=-1),
            "Profile 'medium': entropy_budget must be >= 0, got -1",
        ),
        (
            _profile("low", containment_min=1.5),
            "Profile 'low': containment_min must be in [0, 1], got 1.5",
        ),
        (_profile("low", blast_limit=-0.5), "Profile 'low': blast_limit must be >= 0, got -0.5"),
        (
            _profile("critical", coherence_pass=101),
            "Profile 'critical': coherence_pass must be in [0, 100], got 101",
        ),
        (
            _profile("low", entropy_budget="25"),
            "Profile 'low': entropy_budget must be a number, got '25'",
        ),
        (
            _profile("low", checks="lint"),
            "Profile 'low': checks must be a list of check names, got 'lint'",
        ),
        (
            _profile("low", security={"max_high": -1}),
            "Profile 'low': security.max_high must be an integer >= 0, got -1",
        ),
        (
            _profile("low", security={"max_low": 1}),
            "Profile 'low': unknown key 'security.max_low'",
        ),
        (_profile("low", entropy_budjet=20), "Profile 'low': unknown key 'entropy_budjet'"),
        (
            {"profiles": {"urgent": {}}},
            "profiles: unknown level 'urgent' (expected one of low, medium, high, critical)",
        ),
        ({"profiles": {"low": 3}}, "Profile 'low' must be an object, got 3"),
        ({"queue": []}, "queue must be an object, got []"),
    ],
)
def test_profile_and_structure_rules(document: dict[str, Any], problem: str) -> None:
    assert policy_problems(document) == [problem]


def test_coherence_warn_must_not_exceed_pass() -> None:
    document = _profile("critical", coherence_warn=90)

    assert policy_problems(document) == [
        "Profile 'critical': coherence_warn must be <= coherence_pass, got 90 > 85"
    ]


@pytest.mark.parametrize(
    ("document", "problem"),
    [
        (
            _profile("high", entropy_budget=20.0),
            "Profile 'high': entropy_budget must be <= 18.0 (the 'medium' value), got 20.0",
        ),
        (
            _profile("medium", containment_min=0.2),
            "Profile 'medium': containment_min must be >= 0.3 (the 'low' value), got 0.2",
        ),
        (
            _profile("critical", blast_limit=25.0),
            "Profile 'critical': blast_limit must be <= 20.0 (the 'high' value), got 25.0",
        ),
        (
            _profile("high", coherence_pass=70),
            "Profile 'high': coherence_pass must be >= 75 (the 'medium' value), got 70",
        ),
        (
            _profile("medium", coherence_warn=55),
            "Profile 'medium': coherence_warn must be >= 60 (the 'low' value), got 55",
        ),
        (
            _profile("critical", checks=["lint"]),
            "Profile 'critical': checks must include every check of 'high', missing ['unit_tests']",
        ),
        (
            _profile("critical", security={"max_critical": 1}),
            "Profile 'critical': security.max_critical must be <= 0 (the 'high' value), got 1",
        ),
        (
            _profile("medium", security={"max_high": 6}),
            "Profile 'medium': security.max_high must be <= 5 (the 'low' value), got 6",
        ),
    ],
)
def test_each_monotonic_rule(document: dict[str, Any], problem: str) -> None:
    assert policy_problems(document) == [problem]


def test_an_invalid_value_is_not_compared_across_levels_again() -> None:
    assert policy_problems(_profile("medium", entropy_budget=-1)) == [
        "Profile 'medium': entropy_budget must be >= 0, got -1"
    ]


def test_a_consistent_tightening_of_every_level_is_valid() -> None:
    profiles = {
        level: {"checks": ["lint", "unit_tests"], "security": {"max_high": 0}}
        for level in ("low", "medium", "high", "critical")
    }

    assert policy_problems({"profiles": profiles}) == []


@pytest.mark.parametrize(
    ("risk", "problem"),
    [
        ({"max_risk_score": 120}, "risk.max_risk_score must be in [0, 100], got 120"),
        ({"max_damage_score": -1}, "risk.max_damage_score must be in [0, 100], got -1"),
        ({"max_propagation_score": None}, "risk.max_propagation_score must be a number, got None"),
        ({"mode": "audit"}, "risk.mode must be one of 'shadow', 'enforce', got 'audit'"),
        ({"enforce_ratio": 1.5}, "risk.enforce_ratio must be in [0, 1], got 1.5"),
        ({"scoring_version": 3}, "risk.scoring_version must be one of 1, 2, got 3"),
        ({"allow_downgrade": "yes"}, "risk.allow_downgrade must be true or false, got 'yes'"),
        (
            {"classification": {"high": 20}},
            "risk.classification must increase strictly from low to critical, "
            "got [0.0, 25.0, 20, 75.0]",
        ),
        ({"max_blast_severity": "low"}, "risk: unknown key 'max_blast_severity'"),
    ],
)
def test_risk_rules(risk: dict[str, Any], problem: str) -> None:
    assert policy_problems({"risk": risk}) == [problem]


@pytest.mark.parametrize(
    ("queue", "problem"),
    [
        ({"max_retries": -1}, "queue.max_retries must be an integer >= 0, got -1"),
        ({"default_target": ""}, "queue.default_target must be a non-empty string, got ''"),
    ],
)
def test_queue_rules(queue: dict[str, Any], problem: str) -> None:
    assert policy_problems({"queue": queue}) == [problem]


@pytest.mark.parametrize(
    ("command", "problem"),
    [
        ([], "checks.lint must be a non-empty argument list or command string, got []"),
        ("  ", "checks.lint must be a non-empty argument list or command string, got '  '"),
        (
            ["make", 1],
            "checks.lint must be a non-empty argument list or command string, got ['make', 1]",
        ),
        ("make 'lint", "checks.lint: cannot split command: No closing quotation"),
    ],
)
def test_check_commands(command: object, problem: str) -> None:
    assert policy_problems({"checks": {"lint": command}}) == [problem]


def test_missing_checks_mode() -> None:
    assert policy_problems({"missing_checks": "ignore"}) == [
        "missing_checks must be one of 'warn', 'block', got 'ignore'"
    ]


@pytest.mark.parametrize(
    ("overrides", "problem"),
    [
        (
            {"robot": {}},
            "origin_overrides: unknown origin 'robot' "
            "(expected one of 'human', 'agent', 'integration')",
        ),
        (
            {"agent": {"urgent": {}}},
            "origin_overrides.agent: unknown key 'urgent' (expected a level or '_default')",
        ),
        ({"agent": []}, "origin_overrides.agent must be an object, got []"),
        ({"agent": {"low": 1}}, "Override 'agent/low' must be an object, got 1"),
        (
            {"agent": {"_default": {"entropy_budget": -2}}},
            "Override 'agent/_default': entropy_budget must be >= 0, got -2",
        ),
        (
            {"integration": {"high": {"coherence_warn": 90}}},
            "Profile 'high/integration': coherence_warn must be <= coherence_pass, got 90 > 80",
        ),
    ],
)
def test_origin_override_rules(overrides: dict[str, Any], problem: str) -> None:
    assert policy_problems({"origin_overrides": overrides}) == [problem]


def test_the_spec_example_override_is_valid() -> None:
    overrides = {
        "agent": {
            "medium": {"checks": ["lint", "unit_tests"]},
            "_default": {"entropy_budget": 15.0},
        }
    }

    assert policy_problems({"origin_overrides": overrides}) == []


def test_every_problem_is_reported_at_once() -> None:
    document = {
        "profiles": {"low": {"containment_min": 2}},
        "risk": {"mode": "x", "enforce_ratio": -1},
    }

    assert policy_problems(document) == [
        "Profile 'low': containment_min must be in [0, 1], got 2",
        "risk.mode must be one of 'shadow', 'enforce', got 'x'",
        "risk.enforce_ratio must be in [0, 1], got -1",
    ]
