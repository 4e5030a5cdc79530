"""Runbook phase 9: list flags, toggle at runtime, override by environment and flags.json,
the defaults table, and the emergency toggle beating the environment (decisions §10)."""

import json

import pytest

from flags.services import flag_clear, flag_set
from ledger.models import Event

RUNBOOK_DEFAULTS = {
    "intent_links": (True, None),
    "archaeology_enhanced": (True, None),
    "intent_semantics": (True, None),
    "origin_policy": (True, None),
    "verification_debt": (True, None),
    "review_tasks": (True, None),
    "security_adapters": (True, None),
    "intake_control": (True, None),
    "semantic_conflicts": (True, "shadow"),
    "plan_coordination": (True, None),
    "audit_chain": (True, None),
    "code_ownership": (False, None),
    "pre_eval_harness": (True, "shadow"),
    "semantic_embeddings_model": (True, "deterministic"),
    "risk_auto_classify": (True, "enforce"),
    "advisory_locks": (False, "shadow"),
    "llm_review_advisor": (False, "shadow"),
    "coherence_feedback": (True, None),
    "notifications": (False, "shadow"),
}


@pytest.fixture(autouse=True)
def home(settings, tmp_path):
    settings.CONVERGE_HOME = tmp_path


def _flags(cli):
    result = cli("flags", "list")
    assert result.exit_code == 0
    return {flag["name"]: flag for flag in result.json["flags"]}


def test_list_all_flags_with_the_documented_defaults(cli):
    flags = _flags(cli)
    assert {name: (f["enabled"], f.get("mode")) for name, f in flags.items()} == RUNBOOK_DEFAULTS
    assert {f["source"] for f in flags.values()} == {"default"}


def test_toggle_a_flag_at_runtime(cli):
    flag_set(name="security_adapters", enabled=False, actor="oncall")
    flag = _flags(cli)["security_adapters"]
    assert (flag["enabled"], flag["source"]) == (False, "api")
    changed = Event.objects.get(event_type="feature_flag.changed")
    assert changed.payload == {"flag": "security_adapters", "enabled": False, "mode": ""}


def test_override_via_environment(cli, monkeypatch):
    monkeypatch.setenv("CONVERGE_FF_SECURITY_ADAPTERS", "false")
    monkeypatch.setenv("CONVERGE_FF_SEMANTIC_CONFLICTS_MODE", "enforce")
    flags = _flags(cli)
    assert (flags["security_adapters"]["enabled"], flags["security_adapters"]["source"]) == (
        False,
        "env",
    )
    assert (flags["semantic_conflicts"]["mode"], flags["semantic_conflicts"]["source"]) == (
        "enforce",
        "env",
    )


def test_override_via_config_file(cli, tmp_path):
    (tmp_path / "flags.json").write_text(
        json.dumps(
            {
                "security_adapters": False,
                "semantic_conflicts": {"enabled": True, "mode": "enforce"},
            }
        )
    )
    flags = _flags(cli)
    assert (flags["security_adapters"]["enabled"], flags["security_adapters"]["source"]) == (
        False,
        "config",
    )
    assert flags["semantic_conflicts"]["mode"] == "enforce"


def test_the_emergency_toggle_beats_the_environment_until_cleared(cli, monkeypatch):
    monkeypatch.setenv("CONVERGE_FF_SECURITY_ADAPTERS", "true")
    flag_set(name="security_adapters", enabled=False, actor="oncall")
    assert _flags(cli)["security_adapters"]["enabled"] is False
    flag_clear(name="security_adapters", actor="oncall")
    assert _flags(cli)["security_adapters"]["source"] == "env"


def test_the_cli_toggle_and_clear(cli, settings):
    settings.CONVERGE_ACTOR = "oncall"
    result = cli("flags", "set", "notifications", "--enabled", "true", "--mode", "enforce")
    assert result.json["source"] == "api" and result.json["mode"] == "enforce"
    assert cli("flags", "set", "nope", "--enabled", "1").exit_code == 2
    assert cli("flags", "set", "notifications", "--enabled", "perhaps").exit_code == 2
    assert cli("flags", "clear", "notifications").json["source"] == "default"
    assert Event.objects.filter(event_type="feature_flag.changed").count() == 2


def test_a_runtime_override_switches_an_existing_feature(cli):
    flag_set(name="audit_chain", enabled=False, actor="oncall")
    assert cli("audit", "verify-chain").json == {
        "valid": True,
        "enabled": False,
        "reason": "audit chain is disabled",
    }
