"""``intent create --file`` takes the API's body limits: size, nesting, encoding; every
refusal exits 2 with one line on stderr and stores nothing (decisions §41)."""

import json

import pytest

from conftest import git_branches
from intents.models import Intent
from ledger.models import Event


@pytest.fixture
def intent_file(tmp_path, git_repo):
    git_branches(git_repo, "f/x", "f/y")
    return tmp_path / "intent.json"


def _refused(result):
    assert result.exit_code == 2
    assert len(result.stderr.strip().splitlines()) == 1
    assert not Intent.objects.exists() and not Event.objects.exists()
    return result.json["error"], result.stderr.strip()


def test_a_file_over_the_size_limit_is_refused(cli, intent_file, settings):
    settings.CONVERGE_MAX_BODY_BYTES = 4096
    intent_file.write_text(json.dumps({"source": "f/x", "semantic": {"a": "x" * 10_000}}))
    error, line = _refused(cli("intent", "create", "--file", str(intent_file)))
    assert error["code"] == "http_413" and error["limit"] == 4096
    assert line == f"error: {intent_file} is larger than 4096 bytes"


def test_a_file_nested_too_deep_is_refused(cli, intent_file):
    intent_file.write_text('{"semantic": ' * 40 + "{}" + "}" * 40)
    error, line = _refused(cli("intent", "create", "--file", str(intent_file)))
    assert error["code"] == "validation_error"
    assert line == f"error: {intent_file}: JSON nested deeper than 32 levels"


def test_a_file_that_is_not_utf8_json_is_refused(cli, intent_file):
    intent_file.write_bytes(b'{"source": "f/\xff"}')
    error, line = _refused(cli("intent", "create", "--file", str(intent_file)))
    assert line.startswith(f"error: {intent_file} is not valid JSON")


def test_the_reported_scope_hint_is_refused_by_name(cli, intent_file):
    intent_file.write_text(json.dumps({"source": "f/x", "technical": {"scope_hint": 5}}))
    _, line = _refused(cli("intent", "create", "--file", str(intent_file)))
    assert line == "error: technical.scope_hint: must be an array of strings, got a number"


def test_a_value_with_line_breaks_stays_on_one_line(cli, intent_file):
    intent_file.write_text(json.dumps({"source": "f/x", "risk_level": "low\nhigh"}))
    _, line = _refused(cli("intent", "create", "--file", str(intent_file)))
    assert line == 'error: risk_level: "low\\nhigh" is not a valid choice.'


def test_the_flags_override_the_file_and_are_validated_alike(cli, intent_file):
    intent_file.write_text(json.dumps({"intent_id": "from-file", "source": "f/x"}))
    created = cli("intent", "create", "--file", str(intent_file), "--intent-id", "from-flag")
    assert created.exit_code == 0 and created.json["intent_id"] == "from-flag"
    long_plan = cli("intent", "create", "--from-branch", "f/y", "--plan-id", "p" * 201)
    assert long_plan.exit_code == 2
    assert long_plan.stderr.strip() == "error: plan_id: at most 200 characters, got 201"
    bad_dep = cli("intent", "update", "--intent-id", "from-flag", "--dependencies", "a,b/c/d")
    assert bad_dep.exit_code == 2
    assert bad_dep.stderr.startswith("error: dependencies[1]: Invalid intent id 'b/c/d'")
