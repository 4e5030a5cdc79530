"""Each flag of the intents domain switches its feature."""

import json

import pytest

from converge_core.tests.gitrepo import GitRepo
from intents.models import CommitLink, Intent
from intents.queue import QueueOptions, queue_run
from intents.repositories import repository_resolve
from intents.tests.factories import create_intent
from intents.tests.queue_helpers import validated_intent
from intents.validation import intent_validate
from ledger.models import Event


@pytest.fixture
def repo(tmp_path, settings):
    git = GitRepo.create(tmp_path / "repo")
    git.commit("main", {"README.md": "r\n"})
    settings.CONVERGE_HOME = tmp_path / "home"
    return git


@pytest.fixture
def repository(db, repo):
    return repository_resolve(repo.path)


def test_intent_links_off_records_no_commit_links(repo, repository, monkeypatch):
    monkeypatch.setenv("CONVERGE_FF_INTENT_LINKS", "off")
    validated_intent(repository, repo, "a", {"docs/a.md": "a\n"})
    queue_run(repository=repository, options=QueueOptions(targets=["main"], auto_confirm=True))
    assert Intent.objects.get(pk="a").status == "MERGED"
    assert not CommitLink.objects.exists()


def test_origin_policy_off_ignores_origin_overrides(
    repo, repository, settings, tmp_path, monkeypatch
):
    policy = tmp_path / "policy.json"
    policy.write_text(
        json.dumps(
            {
                "missing_checks": "block",
                "checks": {"lint": ["true"]},
                "origin_overrides": {"agent": {"_default": {"checks": ["lint", "unit_tests"]}}},
            }
        )
    )
    settings.CONVERGE_POLICY_PATH = str(policy)
    repo.commit("feature/bot", {"docs/b.md": "b\n"}, start="main")
    create_intent(repository, "bot", source="feature/bot", origin_type="agent")

    with_overrides = intent_validate(intent_id="bot")
    assert with_overrides["decision"] == "blocked"  # unit_tests has no command
    monkeypatch.setenv("CONVERGE_FF_ORIGIN_POLICY", "0")
    assert intent_validate(intent_id="bot")["decision"] == "validated"


def test_plan_coordination_off_lets_the_queue_ignore_dependencies(repo, repository, monkeypatch):
    validated_intent(repository, repo, "child", {"docs/c.md": "c\n"}, dependencies=["later"])
    monkeypatch.setenv("CONVERGE_FF_PLAN_COORDINATION", "false")
    outcome = queue_run(
        repository=repository, options=QueueOptions(targets=["main"], auto_confirm=True)
    )
    assert outcome["results"][0]["decision"] == "merged"
    assert not Event.objects.filter(event_type="intent.dependency_blocked").exists()
