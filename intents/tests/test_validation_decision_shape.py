"""The rendered decision keeps its keys and their order, however far the pipeline got."""

import json

import pytest

from converge_core.tests.gitrepo import GitRepo
from intents.repositories import repository_resolve
from intents.tests.factories import create_intent
from intents.validation import ValidationOptions, intent_decide, intent_validate


@pytest.fixture
def repo(tmp_path, settings):
    git = GitRepo.create(tmp_path / "repo")
    git.commit("main", {"src/app/config.py": "TIMEOUT = 30\n", "README.md": "demo\n"})
    settings.CONVERGE_REPO_PATH = str(git.path)
    settings.CONVERGE_HOME = tmp_path / "home"
    return git


@pytest.fixture
def repository(db, repo):
    return repository_resolve(repo.path)


def _policy(settings, tmp_path, document):
    path = tmp_path / "policy.json"
    path.write_text(json.dumps(document))
    settings.CONVERGE_POLICY_PATH = str(path)


def test_a_validated_decision(repo, repository):
    repo.commit("feature/docs", {"docs/usage.md": "# Usage\n"}, start="main")
    create_intent(repository, "docs", source="feature/docs")

    decision = intent_validate(intent_id="docs", options=ValidationOptions(dry_run=True))

    assert list(decision) == [
        "decision",
        "intent_id",
        "trace_id",
        "risk_level",
        "simulation",
        "risk",
        "policy",
        "risk_gate",
        "warnings",
        "dry_run",
    ]
    assert list(decision["simulation"]) == [
        "mergeable",
        "files_changed",
        "source_sha",
        "target_sha",
        "tree_sha",
    ]


def test_a_conflict_block_shows_the_conflicts(repo, repository):
    repo.commit("feature/t", {"src/app/config.py": "TIMEOUT = 60\n"}, start="main")
    repo.commit("main", {"src/app/config.py": "TIMEOUT = 10\n"})
    create_intent(repository, "t", source="feature/t")

    decision = intent_validate(intent_id="t")

    assert list(decision) == [
        "decision",
        "intent_id",
        "reason",
        "trace_id",
        "risk_level",
        "simulation",
        "warnings",
    ]
    assert decision["simulation"] == {
        "mergeable": False,
        "conflicts": ["src/app/config.py"],
        "files_changed": ["src/app/config.py"],
    }


def test_a_check_block_shows_the_checks_after_the_simulation(repo, repository, settings, tmp_path):
    _policy(settings, tmp_path, {"checks": {"lint": ["sh", "-c", "exit 3"]}})
    repo.commit("feature/x", {"src/app/x.py": "x = 1\n"}, start="main")
    create_intent(repository, "x", source="feature/x")

    decision = intent_validate(intent_id="x")

    assert list(decision) == [
        "decision",
        "intent_id",
        "reason",
        "trace_id",
        "risk_level",
        "simulation",
        "checks",
        "warnings",
    ]
    assert list(decision["simulation"]) == ["mergeable", "conflicts", "files_changed"]


def test_a_policy_block_shows_the_checks_then_what_the_gates_judged(
    repo, repository, settings, tmp_path
):
    _policy(settings, tmp_path, {"missing_checks": "block"})
    repo.commit("feature/x", {"src/app/x.py": "x = 1\n"}, start="main")
    create_intent(repository, "x", source="feature/x")

    decision = intent_validate(intent_id="x")

    assert list(decision) == [
        "decision",
        "intent_id",
        "reason",
        "trace_id",
        "risk_level",
        "checks",
        "simulation",
        "risk",
        "policy",
        "risk_gate",
        "warnings",
    ]
    assert [gate["gate"] for gate in decision["policy"]["gates"] if not gate["passed"]] == [
        "verification"
    ]


def test_the_typed_decision_is_what_is_rendered(repo, repository):
    repo.commit("feature/docs", {"docs/usage.md": "# Usage\n"}, start="main")
    create_intent(repository, "docs", source="feature/docs")

    decision = intent_decide(intent_id="docs", options=ValidationOptions(dry_run=True))

    assert decision.is_validated and decision.reason is None
    assert decision.simulation is not None
    assert decision.simulation.files_changed == ("docs/usage.md",)
    assert decision.gates is not None and decision.gates.policy.verdict == "ALLOW"
    rendered = decision.as_dict()
    assert rendered["simulation"]["source_sha"] == repo.rev("feature/docs")
    assert rendered["risk"] == decision.gates.risk.to_payload()
    assert json.dumps(rendered) == json.dumps(decision.as_dict())
