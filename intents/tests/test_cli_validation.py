"""The simulate, validate, policy and risk commands as a user runs them."""

import json

import pytest

from converge_core.tests.gitrepo import GitRepo
from intents.models import Intent
from ledger.models import Event


@pytest.fixture
def repo(tmp_path, settings, db):
    git = GitRepo.create(tmp_path / "repo")
    git.commit("main", {"src/app/config.py": "TIMEOUT = 30\n"})
    git.commit("feature/ok", {"docs/usage.md": "# Usage\n"}, start="main")
    git.commit("feature/a", {"src/app/config.py": "TIMEOUT = 60\n"}, start="main")
    git.commit("feature/b", {"src/app/config.py": "TIMEOUT = 10\n"}, start="main")
    settings.CONVERGE_REPO_PATH = str(git.path)
    settings.CONVERGE_HOME = tmp_path / "home"
    return git


def test_simulate_reports_conflicts_and_changes(cli, repo):
    result = cli("simulate", "--source", "feature/a", "--target", "feature/b")
    assert result.exit_code == 0
    assert result.json["mergeable"] is False
    assert result.json["conflicts"] == ["src/app/config.py"]
    assert result.json["source_sha"] == repo.rev("feature/a")
    assert not Event.objects.exists()


@pytest.mark.parametrize(
    "args,message",
    [
        (["--source", "feature/nope", "--target", "main"], "unknown ref 'feature/nope'"),
        (["--source=-rf", "--target", "main"], "source: '-rf' is not a valid branch name"),
        (["--source", "a..b", "--target", "main"], "source: 'a..b' is not a valid branch name"),
    ],
)
def test_simulate_refuses_bad_refs_with_exit_2(cli, repo, args, message):
    result = cli("simulate", *args)
    assert result.exit_code == 2 and message in result.stderr


def test_validate_then_read_the_decision_back(cli, repo):
    cli("intent", "create", "--from-branch", "feature/ok", "--intent-id", "ok")
    result = cli("validate", "--intent-id", "ok")
    assert result.exit_code == 0 and result.json["decision"] == "validated"
    status = cli("intent", "status", "--intent-id", "ok").json
    assert status["intent"]["status"] == "VALIDATED"
    assert status["last_decision"]["event_type"] == "intent.validated"


def test_policy_eval_changes_nothing(cli, repo):
    cli("intent", "create", "--from-branch", "feature/ok", "--intent-id", "ok")
    before = Event.objects.count()
    result = cli("policy", "eval", "--intent-id", "ok")
    assert result.json["dry_run"] is True and result.json["decision"] == "validated"
    assert Event.objects.count() == before and Intent.objects.get().status == "READY"


def test_validate_unknown_intent_and_bad_policy_file(cli, repo, tmp_path):
    assert cli("validate", "--intent-id", "missing").exit_code == 2
    cli("intent", "create", "--from-branch", "feature/ok", "--intent-id", "ok")
    bad = tmp_path / "policy.json"
    bad.write_text(json.dumps({"profiles": {"medium": {"entropy_budget": -1}}}))
    result = cli("validate", "--intent-id", "ok", "--policy", str(bad))
    assert result.exit_code == 2
    assert "entropy_budget must be >= 0, got -1" in result.stderr


def test_risk_commands(cli, repo):
    cli("intent", "create", "--from-branch", "feature/ok", "--intent-id", "ok", "--tenant-id", "t1")
    assert cli("risk", "shadow", "--intent-id", "ok").exit_code == 2  # nothing evaluated yet
    evaluated = cli("risk", "eval", "--intent-id", "ok")
    assert evaluated.exit_code == 0 and evaluated.json["scoring_version"] == 2
    shadow = cli("risk", "shadow", "--intent-id", "ok").json
    assert shadow["mode"] == "shadow" and shadow["intent_id"] == "ok"

    assert cli("risk", "policy-get", "--tenant-id", "t1").json == {
        "message": "No risk policy configured for this tenant"
    }
    assert cli("risk", "policy-set", "--tenant-id", "t1", "--max-risk-score", "150").exit_code == 2
    cli("risk", "policy-set", "--tenant-id", "t1", "--mode", "enforce", "--max-risk-score", "40")
    cli("risk", "policy-set", "--tenant-id", "t1", "--max-risk-score", "50")
    assert cli("risk", "policy-get", "--tenant-id", "t1").json == {
        "max_risk_score": 50.0,
        "tenant_id": "t1",
        "version": 2,
    }

    cli("validate", "--intent-id", "ok")
    review = cli("risk", "review", "--intent-id", "ok").json
    assert review["risk"]["intent_id"] == "ok" and review["policy"]["verdict"] == "ALLOW"
    assert review["decision_history"][0]["event_type"] == "intent.validated"
    report = cli("risk", "gate").json
    assert (report["total_evaluations"], report["total_blocked"]) == (1, 0)


def test_calibrate_writes_the_profiles(cli, repo, tmp_path):
    output = tmp_path / "calibrated.json"
    result = cli("policy", "calibrate", "--output", str(output))
    assert result.exit_code == 0 and result.json["data_points"] == 0
    assert result.json["applied"] is False
    assert json.loads(output.read_text())["medium"]["entropy_budget"] == 18.0
