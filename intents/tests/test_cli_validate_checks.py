"""``converge validate`` runs the policy's required checks (``--skip-checks`` skips them)."""

import json
from pathlib import Path
from typing import Any

import pytest

from converge_core.tests.gitrepo import GitRepo
from intents.models import Intent
from ledger.models import Event


@pytest.fixture
def repo(tmp_path: Path, settings: Any, db: None) -> GitRepo:
    git = GitRepo.create(tmp_path / "repo")
    git.commit("main", {"src/app/config.py": "TIMEOUT = 30\n"})
    git.commit("feature/ok", {"docs/usage.md": "# Usage\n"}, start="main")
    settings.CONVERGE_REPO_PATH = str(git.path)
    settings.CONVERGE_HOME = tmp_path / "home"
    return git


def policy_file(tmp_path: Path, lint: list[str]) -> str:
    path = tmp_path / "policy.json"
    path.write_text(json.dumps({"checks": {"lint": lint}}))
    return str(path)


def check_events() -> list[dict[str, Any]]:
    return [
        event.payload
        for event in Event.objects.filter(intent_id="ok", event_type="check.completed")
    ]


def test_a_failing_check_blocks_the_intent(cli: Any, repo: GitRepo, tmp_path: Path) -> None:
    cli("intent", "create", "--from-branch", "feature/ok", "--intent-id", "ok")
    result = cli("validate", "--intent-id", "ok", "--policy", policy_file(tmp_path, ["false"]))
    assert result.exit_code == 0, result.stderr
    assert result.json["decision"] == "blocked"
    assert result.json["reason"] == "Checks failed: ['lint']"
    assert [(c["check_type"], c["status"]) for c in result.json["checks"]] == [("lint", "failed")]
    events = check_events()
    assert len(events) == 1
    assert (events[0]["check_type"], events[0]["passed"], events[0]["exit_code"]) == (
        "lint",
        False,
        1,
    )
    assert Intent.objects.get(pk="ok").status == "READY"
    assert Event.objects.filter(intent_id="ok", event_type="intent.blocked").count() == 1


def test_a_passing_check_validates_with_its_event(cli: Any, repo: GitRepo, tmp_path: Path) -> None:
    cli("intent", "create", "--from-branch", "feature/ok", "--intent-id", "ok")
    result = cli("validate", "--intent-id", "ok", "--policy", policy_file(tmp_path, ["true"]))
    assert result.exit_code == 0, result.stderr
    assert result.json["decision"] == "validated"
    events = check_events()
    assert [(e["check_type"], e["passed"], e["status"]) for e in events] == [
        ("lint", True, "passed")
    ]
    assert Intent.objects.get(pk="ok").status == "VALIDATED"
    assert Intent.objects.get(pk="ok").unverified_checks == []


def test_skip_checks_still_skips_them(cli: Any, repo: GitRepo, tmp_path: Path) -> None:
    cli("intent", "create", "--from-branch", "feature/ok", "--intent-id", "ok")
    policy = policy_file(tmp_path, ["false"])
    result = cli("validate", "--intent-id", "ok", "--policy", policy, "--skip-checks")
    assert result.exit_code == 0, result.stderr
    assert result.json["decision"] == "validated"
    assert check_events() == []
    assert Intent.objects.get(pk="ok").unverified_checks == ["lint"]


def test_queue_run_runs_the_checks_of_a_validated_intent(
    cli: Any, repo: GitRepo, tmp_path: Path, settings: Any
) -> None:
    cli("intent", "create", "--from-branch", "feature/ok", "--intent-id", "ok")
    assert cli("validate", "--intent-id", "ok", "--skip-checks").json["decision"] == "validated"
    settings.CONVERGE_POLICY_PATH = policy_file(tmp_path, ["false"])
    result = cli("queue", "run")
    assert result.exit_code == 0, result.stderr
    events = check_events()
    assert [(e["check_type"], e["passed"]) for e in events] == [("lint", False)]
