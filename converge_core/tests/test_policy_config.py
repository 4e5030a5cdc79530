"""Policy documents: defaults, merge rules, lookup order and loading."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from converge_core.errors import InvalidInput
from converge_core.policy import (
    PolicyError,
    default_document,
    default_policy,
    find_policy_file,
    load_policy,
    load_policy_file,
    policy_from_document,
    policy_problems,
)


def test_defaults_validate_and_merge_security_into_each_level() -> None:
    config = default_policy()

    assert policy_problems(default_document()) == []
    assert {level: p["security"] for level, p in config.profiles.items()} == {
        "low": {"max_critical": 0, "max_high": 5},
        "medium": {"max_critical": 0, "max_high": 2},
        "high": {"max_critical": 0, "max_high": 0},
        "critical": {"max_critical": 0, "max_high": 0},
    }
    assert config.profiles["high"]["checks"] == ["lint", "unit_tests"]
    assert config.profiles["critical"]["containment_min"] == 0.85


def test_defaults_of_the_other_sections() -> None:
    config = default_policy()

    assert (config.queue.max_retries, config.queue.default_target) == (3, "main")
    assert config.risk.max_risk_score == 65.0
    assert config.risk.max_damage_score == 60.0
    assert config.risk.max_propagation_score == 55.0
    assert (config.risk.mode, config.risk.enforce_ratio) == ("shadow", 1.0)
    assert (config.risk.scoring_version, config.risk.allow_downgrade) == (2, False)
    assert config.risk.classification == {"low": 0, "medium": 25, "high": 50, "critical": 75}
    assert config.checks == {}
    assert config.missing_checks == "warn"
    assert config.origin_overrides == {}


def test_partial_level_keeps_its_other_keys() -> None:
    config = policy_from_document({"profiles": {"medium": {"entropy_budget": 15.0}}})

    assert config.profiles["medium"] == {
        "entropy_budget": 15.0,
        "containment_min": 0.5,
        "blast_limit": 35.0,
        "checks": ["lint"],
        "coherence_pass": 75,
        "coherence_warn": 60,
        "security": {"max_critical": 0, "max_high": 2},
        "batch": True,
    }


def test_nested_security_merges_key_by_key() -> None:
    config = policy_from_document({"profiles": {"low": {"security": {"max_high": 3}}}})

    assert config.profiles["low"]["security"] == {"max_critical": 0, "max_high": 3}


def test_profile_checks_list_is_replaced_not_appended() -> None:
    config = policy_from_document(
        {"profiles": {"critical": {"checks": ["lint", "unit_tests", "security_scan"]}}}
    )

    assert config.profiles["critical"]["checks"] == ["lint", "unit_tests", "security_scan"]


def test_queue_and_risk_merge_key_by_key() -> None:
    config = policy_from_document(
        {
            "queue": {"max_retries": 5},
            "risk": {"mode": "enforce", "classification": {"critical": 80}},
        }
    )

    assert (config.queue.max_retries, config.queue.default_target) == (5, "main")
    assert (config.risk.mode, config.risk.enforce_ratio) == ("enforce", 1.0)
    assert config.risk.max_risk_score == 65.0
    assert config.risk.classification == {"low": 0, "medium": 25, "high": 50, "critical": 80}


def test_checks_map_normalises_strings_with_shlex() -> None:
    config = policy_from_document(
        {"checks": {"lint": "ruff check 'src dir'", "unit_tests": ["pytest", "-q"]}}
    )

    assert config.checks == {"lint": ("ruff", "check", "src dir"), "unit_tests": ("pytest", "-q")}
    assert config.check_command("lint") == ("ruff", "check", "src dir")
    assert config.check_command("security_scan") is None


def test_missing_checks_and_origin_overrides_are_taken_as_given() -> None:
    overrides = {"agent": {"medium": {"checks": ["lint", "unit_tests"]}}}
    config = policy_from_document({"missing_checks": "block", "origin_overrides": overrides})

    assert config.missing_checks == "block"
    assert config.origin_overrides == overrides


def test_unknown_sections_are_kept_for_other_apps() -> None:
    config = policy_from_document({"intake": {"pause_below_health": 25.0}})

    assert config.extra == {"intake": {"pause_below_health": 25.0}}
    assert config.to_document()["intake"] == {"pause_below_health": 25.0}


def test_to_document_round_trips() -> None:
    config = policy_from_document(
        {"checks": {"lint": "make lint"}, "profiles": {"low": {"entropy_budget": 30.0}}}
    )

    document = config.to_document()

    assert document["checks"] == {"lint": ["make", "lint"]}
    assert policy_from_document(document) == config


def test_policy_error_is_invalid_input_with_every_problem() -> None:
    document = {"profiles": {"medium": {"entropy_budget": -1}}, "missing_checks": "maybe"}

    with pytest.raises(PolicyError) as caught:
        policy_from_document(document, source="policy.json")

    assert isinstance(caught.value, InvalidInput)
    assert caught.value.exit_code == 2 and caught.value.http_status == 400
    assert caught.value.problems == [
        "Profile 'medium': entropy_budget must be >= 0, got -1",
        "missing_checks must be one of 'warn', 'block', got 'maybe'",
    ]
    assert caught.value.message == (
        "policy.json: Profile 'medium': entropy_budget must be >= 0, got -1; "
        "missing_checks must be one of 'warn', 'block', got 'maybe'"
    )


def test_find_policy_file_order(tmp_path: Path) -> None:
    home, cwd = tmp_path / "home", tmp_path / "cwd"
    home.mkdir()
    cwd.mkdir()
    explicit, env = tmp_path / "explicit.json", tmp_path / "env.json"
    for path in (explicit, env, home / "policy.json", cwd / "policy.json"):
        path.write_text("{}")

    assert find_policy_file(explicit, env, home, cwd=cwd) == explicit
    assert find_policy_file(None, str(env), home, cwd=cwd) == env
    assert find_policy_file("", "", home, cwd=cwd) == home / "policy.json"
    (home / "policy.json").unlink()
    assert find_policy_file(None, None, home, cwd=cwd) == cwd / "policy.json"
    (cwd / "policy.json").unlink()
    assert find_policy_file(None, None, home, cwd=cwd) is None


def test_find_policy_file_refuses_a_missing_named_file(tmp_path: Path) -> None:
    missing = tmp_path / "nope.json"

    with pytest.raises(PolicyError, match=f"policy file not found: {missing}"):
        find_policy_file(None, missing, None, cwd=tmp_path)


def test_load_policy_without_a_file_gives_the_defaults() -> None:
    assert load_policy(None) == default_policy()


def test_load_policy_merges_the_file_and_records_its_source(tmp_path: Path) -> None:
    path = tmp_path / "policy.json"
    path.write_text(json.dumps({"queue": {"default_target": "trunk"}}))

    config = load_policy(path)

    assert config.queue.default_target == "trunk"
    assert config.source == str(path)


def test_invalid_json_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "policy.json"
    path.write_text('{"profiles": ')

    with pytest.raises(PolicyError) as caught:
        load_policy_file(path)

    assert caught.value.message == f"{path}: invalid JSON: Expecting value at line 1 column 14"


def test_a_json_array_is_not_a_policy(tmp_path: Path) -> None:
    path = tmp_path / "policy.json"
    path.write_text("[]")

    with pytest.raises(PolicyError, match="a policy document must be a JSON object, got list"):
        load_policy(path)


def test_invalid_values_name_the_file_and_the_key(tmp_path: Path) -> None:
    path = tmp_path / "policy.json"
    path.write_text(json.dumps({"profiles": {"medium": {"entropy_budget": -1}}}))

    with pytest.raises(PolicyError) as caught:
        load_policy(path)

    assert caught.value.message == f"{path}: Profile 'medium': entropy_budget must be >= 0, got -1"
