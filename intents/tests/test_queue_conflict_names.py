"""A conflict with the target names the merged intents that touched the conflicting files since
the source forked, whichever run merged them (decisions §12)."""

from __future__ import annotations

import pytest

from converge_core.tests.gitrepo import GitRepo
from intents.models import Intent
from intents.queue import QueueOptions, queue_run
from intents.repositories import repository_resolve
from intents.tests.factories import create_intent
from intents.tests.queue_helpers import validated_intent
from intents.validation import intent_validate
from ledger.models import Event


@pytest.fixture
def repo(tmp_path, settings):
    git = GitRepo.create(tmp_path / "repo")
    git.commit("main", {"src/config.py": "TIMEOUT = 30\n", "README.md": "demo\n"})
    settings.CONVERGE_HOME = tmp_path / "home"
    return git


@pytest.fixture
def repository(db, repo):
    return repository_resolve(repo.path)


def _run(repository, **options):
    options = {"targets": ["main"], "auto_confirm": True, **options}
    return queue_run(repository=repository, options=QueueOptions(**options))


def test_a_conflict_names_an_intent_merged_by_an_earlier_run(repo, repository):
    # merged before the late branch forked: its change is in late's base, not in the conflict
    validated_intent(repository, repo, "ancient", {"src/config.py": "TIMEOUT = 40\n"})
    _run(repository)
    fork = repo.rev("main")
    validated_intent(repository, repo, "first", {"src/config.py": "TIMEOUT = 60\n"}, priority=1)
    validated_intent(repository, repo, "docs", {"docs/a.md": "a\n"}, priority=1)
    repo.commit("feature/late", {"src/config.py": "TIMEOUT = 10\n"}, start=fork)
    create_intent(repository, "late", priority=2)
    assert intent_validate(intent_id="late")["decision"] == "validated"  # before first merges

    assert [r["decision"] for r in _run(repository, limit=2)["results"]] == ["merged", "merged"]
    outcome = _run(repository)  # a later run: late meets first's change on main

    row = outcome["results"][0]
    assert (row["intent_id"], row["decision"]) == ("late", "blocked")
    assert row["conflicts_with"] == ["first"]
    requeued = Event.objects.get(intent_id="late", event_type="intent.requeued").payload
    assert requeued["conflicts_with"] == ["first"]
    assert requeued["reason"] == "Merge conflicts: src/config.py"
    assert Intent.objects.get(pk="late").retries == 1


def test_a_conflict_with_a_commit_made_outside_converge_names_nobody(repo, repository):
    validated_intent(repository, repo, "late", {"src/config.py": "TIMEOUT = 99\n"})
    repo.commit("main", {"src/config.py": "TIMEOUT = 1\n"})  # a push straight to main

    row = _run(repository)["results"][0]

    assert row["decision"] == "blocked" and "conflicts_with" not in row
