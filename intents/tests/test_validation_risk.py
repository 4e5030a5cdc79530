"""Risk inside validation: classification, the tenant risk gate, bare repositories."""

import pytest

from converge_core.tests.gitrepo import GitRepo
from intents.models import Intent
from intents.repositories import repository_resolve
from intents.risk import risk_policy_set
from intents.tests.factories import create_intent
from intents.validation import intent_validate
from ledger.models import Event

WIDE = {f"src/pkg{p:02d}/mod{i:03d}.py": f"v = {p}{i}\n" for p in range(1, 5) for i in range(3)}


@pytest.fixture
def repo(tmp_path, settings):
    git = GitRepo.create(tmp_path / "repo")
    git.commit("main", {"README.md": "demo\n"})
    settings.CONVERGE_HOME = tmp_path / "home"
    return git


@pytest.fixture
def repository(db, repo):
    return repository_resolve(repo.path)


def test_a_wide_change_with_dependencies_is_reclassified_and_saved(repo, repository):
    repo.commit("feature/wide", WIDE, start="main")
    create_intent(repository, "wide", source="feature/wide", dependencies=["a", "b", "c"])

    decision = intent_validate(intent_id="wide")

    intent = Intent.objects.get(pk="wide")
    assert (intent.risk_level, intent.declared_risk_level) == ("high", "medium")
    event = Event.objects.get(intent_id="wide", event_type="risk.level_reclassified")
    assert event.payload["old"] == "medium" and event.payload["new"] == "high"
    assert event.payload["persisted"] is True
    assert decision["decision"] == "blocked" and decision["risk_level"] == "high"


def test_classification_never_lowers_the_declared_level(repo, repository):
    repo.commit("feature/tiny", {"docs/a.md": "a\n"}, start="main")
    create_intent(repository, "tiny", source="feature/tiny", risk_level="high")
    intent_validate(intent_id="tiny")
    assert Intent.objects.get(pk="tiny").risk_level == "high"
    assert not Event.objects.filter(event_type="risk.level_reclassified").exists()


def test_shadow_classification_records_without_changing_the_level(repo, repository, monkeypatch):
    monkeypatch.setenv("CONVERGE_FF_RISK_AUTO_CLASSIFY_MODE", "shadow")
    repo.commit("feature/wide", WIDE, start="main")
    create_intent(repository, "wide", source="feature/wide", dependencies=["a", "b", "c"])
    intent_validate(intent_id="wide")
    assert Intent.objects.get(pk="wide").risk_level == "medium"
    event = Event.objects.get(intent_id="wide", event_type="risk.level_reclassified")
    assert event.payload["persisted"] is False


def test_a_tenant_in_enforce_mode_is_blocked_by_the_risk_gate(repo, repository):
    repo.commit("feature/x", {"src/app/x.py": "x = 1\n"}, start="main")
    create_intent(repository, "x", source="feature/x", tenant_id="acme")
    risk_policy_set(tenant_id="acme", data={"max_risk_score": 5, "mode": "enforce"}, actor="ops")
    decision = intent_validate(intent_id="x")
    assert decision["decision"] == "blocked"
    assert decision["reason"].startswith("Risk gate enforced: ")
    assert decision["risk_gate"]["enforced"] is True
    assert decision["risk_gate"]["breaches"][0]["metric"] == "risk_score"


def test_a_breach_in_shadow_mode_passes_and_is_recorded(repo, repository):
    repo.commit("feature/x", {"src/app/x.py": "x = 1\n"}, start="main")
    create_intent(repository, "x", source="feature/x", tenant_id="acme")
    risk_policy_set(tenant_id="acme", data={"max_risk_score": 5}, actor="ops")
    decision = intent_validate(intent_id="x")
    assert decision["decision"] == "validated"
    shadow = Event.objects.get(intent_id="x", event_type="risk.shadow_evaluated")
    assert shadow.payload["would_block"] is True and shadow.payload["enforced"] is False


def test_validation_works_on_a_bare_repository(tmp_path, settings, db):
    work = GitRepo.create(tmp_path / "work")
    work.commit("main", {"a.txt": "a\n"})
    work.commit("feature/b", {"b file.txt": "b\n"}, start="main")
    bare = work.clone_bare(tmp_path / "mirror.git")
    settings.CONVERGE_HOME = tmp_path / "home"
    repository = repository_resolve(bare.path)
    assert repository.is_bare is True
    create_intent(repository, "b", source="feature/b")
    decision = intent_validate(intent_id="b")
    assert decision["decision"] == "validated"
    assert decision["simulation"]["files_changed"] == ["b file.txt"]
