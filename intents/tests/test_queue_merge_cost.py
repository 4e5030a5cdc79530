"""What one merge costs the queue: a fixed number of git processes and SQL queries per merged
intent, whatever the length of the queue (a regression in either fails here)."""

from __future__ import annotations

from collections import Counter

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from converge_core.tests.gitrepo import GitRepo, record_git_calls
from flags.services import flag_set
from intents.gitaccess import _open
from intents.queue import QueueOptions, queue_run
from intents.queue import run as queue_module
from intents.repositories import repository_resolve
from intents.tests.queue_helpers import validated_intent

# Per merged intent: its step of the speculative chain (merge-tree, then commit-tree for the
# next step's virtual head; the revalidation reuses the chain's tree and the own changes the
# chain listed for all in two processes), then the merge commit, the compare-and-swap and the
# checked-out target's status and read-tree.
PER_MERGE_GIT = Counter(
    {"merge-tree": 1, "commit-tree": 2, "update-ref": 1, "status": 1, "read-tree": 1}
)
PER_MERGE_QUERIES = 38


@pytest.fixture
def repo(tmp_path, settings):
    git = GitRepo.create(tmp_path / "repo")
    git.commit("main", {"src/config.py": "TIMEOUT = 30\n", "README.md": "demo\n"})
    settings.CONVERGE_HOME = tmp_path / "home"
    return git


def _merge(repository, repo, calls, names):
    for name in names:
        validated_intent(repository, repo, name, {f"docs/{name}.md": f"{name}\n"})
    calls.clear()
    with CaptureQueriesContext(connection) as queries:
        outcome = queue_run(
            repository=repository,
            options=QueueOptions(targets=["main"], auto_confirm=True, limit=20),
        )
    assert [row["decision"] for row in outcome["results"]] == ["merged"] * len(names)
    return Counter(calls.commands()), len(queries)


def test_each_merge_costs_the_same_processes_and_queries(repo, tmp_path, monkeypatch, db):
    calls = record_git_calls(monkeypatch, tmp_path)
    _open.cache_clear()  # the engine captures PATH when it is opened
    monkeypatch.setattr(queue_module, "LOCK_RENEW_INTERVAL", 3600.0)  # renewals follow time
    repository = repository_resolve(repo.path)
    # The security gate's scans of merged trees are the security app's cost, measured there.
    flag_set(name="security_adapters", enabled=False, actor="test")

    git_two, queries_two = _merge(repository, repo, calls, ["a", "b"])
    git_five, queries_five = _merge(repository, repo, calls, ["c", "d", "e", "f", "g"])

    extra = Counter({name: count * 3 for name, count in PER_MERGE_GIT.items()})
    assert git_five - git_two == extra
    assert git_two - git_five == Counter({"worktree": 1})  # listed by the first merge only
    assert queries_five - queries_two == 3 * PER_MERGE_QUERIES
    _open.cache_clear()
