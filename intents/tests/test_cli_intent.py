import json

import pytest

from conftest import git_branches
from intents.models import Intent
from ledger.models import Event


def test_create_from_branch_then_list_and_read(cli, git_repo):
    git_branches(git_repo, "feature/x")
    created = cli("intent", "create", "--from-branch", "feature/x", "--intent-id", "demo-1")
    assert created.exit_code == 0
    assert created.json == {"ok": True, "intent_id": "demo-1", "status": "READY"}

    listed = cli("intent", "list")
    assert [row["id"] for row in listed.json] == ["demo-1"]
    assert listed.json[0]["source"] == "feature/x" and listed.json[0]["target"] == "main"

    status = cli("intent", "status", "--intent-id", "demo-1")
    assert status.exit_code == 0
    assert status.json["intent"]["status"] == "READY"
    assert status.json["unmet_dependencies"] == [] and status.json["last_decision"] is None
    assert Event.objects.filter(intent_id="demo-1").count() == 2  # intake + created only


def test_create_from_file_with_flags_overriding_only_what_is_given(cli, git_repo, tmp_path):
    git_branches(git_repo, "feature/f")
    path = tmp_path / "intent.json"
    path.write_text(
        json.dumps(
            {
                "intent_id": "f-1",
                "source": "feature/f",
                "priority": 4,
                "origin_type": "agent",
                "plan_id": "plan-1",
                "created_by": "bot-7",
                "semantic": {"objective": "x"},
            }
        )
    )
    result = cli("intent", "create", "--file", str(path), "--priority", "2")
    assert result.exit_code == 0
    intent = Intent.objects.get(pk="f-1")
    assert (intent.priority, intent.origin_type, intent.plan_id) == (2, "agent", "plan-1")
    assert intent.created_by == "bot-7"


def test_file_without_an_id_gets_a_generated_one(cli, git_repo, tmp_path):
    git_branches(git_repo, "feature/g")
    path = tmp_path / "intent.json"
    path.write_text(json.dumps({"source": "feature/g"}))
    result = cli("intent", "create", "--file", str(path))
    assert result.json["intent_id"].startswith("intent-")


@pytest.mark.parametrize(
    "args",
    [
        ["intent", "create"],
        ["intent", "create", "--from-branch", "x", "--priority", "9"],
        ["intent", "create", "--from-branch", "x", "--priority", "abc"],
        ["intent", "create", "--from-branch", "x", "--risk-level", "severe"],
        ["intent", "create", "--from-branch", "x", "--intent-id", "a/b/c"],
        ["intent", "create", "--file", "/nonexistent.json"],
        ["intent", "list", "--status", "BLOCKED"],
        ["intent", "list", "--limit", "0"],
        ["intent", "status", "--intent-id", "missing"],
        ["intent", "status"],
        ["intent", "update", "--intent-id", "missing", "--priority", "1"],
        ["intent"],
        ["intent", "explode"],
        ["nonsense"],
    ],
)
def test_bad_input_exits_2_with_one_line_on_stderr(cli, git_repo, args):
    result = cli(*args)
    assert result.exit_code == 2
    assert len(result.stderr.strip().splitlines()) == 1
    assert "error" in result.json
    assert not Intent.objects.exists()


def test_status_override_and_update(cli, git_repo):
    git_branches(git_repo, "feature/a", "feature/b")
    cli("intent", "create", "--from-branch", "feature/a", "--intent-id", "a")
    cli("intent", "create", "--from-branch", "feature/b", "--intent-id", "b")
    updated = cli("intent", "update", "--intent-id", "b", "--dependencies", "a", "--priority", "1")
    assert updated.exit_code == 0 and updated.json["dependencies"] == ["a"]
    read = cli("intent", "status", "--intent-id", "b")
    assert read.json["dependencies"] == [{"id": "a", "status": "READY"}]
    assert read.json["unmet_dependencies"] == ["a"]

    override = cli("intent", "status", "--intent-id", "a", "--status", "REJECTED")
    assert override.json == {"intent_id": "a", "status": "REJECTED", "previous_status": "READY"}
    event = Event.objects.filter(intent_id="a").order_by("-seq").first()
    assert event.event_type == "intent.status_changed" and event.payload["override"] is True


def test_cycle_is_refused_on_the_cli_naming_it(cli, git_repo):
    git_branches(git_repo, "f/a", "f/b")
    cli("intent", "create", "--from-branch", "f/a", "--intent-id", "a", "--dependencies", "b")
    result = cli(
        "intent", "create", "--from-branch", "f/b", "--intent-id", "b", "--dependencies", "a"
    )
    assert result.exit_code == 2
    assert result.stderr.strip() == "error: Dependency cycle: b → a → b"


def test_creation_outside_a_repository_is_a_clear_error(cli, tmp_path, settings):
    settings.CONVERGE_REPO_PATH = str(tmp_path)
    result = cli("intent", "create", "--from-branch", "x")
    assert result.exit_code == 2 and "Not a git repository" in result.stderr
