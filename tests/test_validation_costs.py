"""What one validation costs: a constant number of queries and git processes, whatever the
size of the change, and no scan when the target moves without touching the scanned files.

The benchmark (``bench/run.py``) measures the time; this pins the work, so that a query or a
git process added to every validation fails here."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from converge_core.security import ScanTrigger
from converge_core.tests.gitrepo import GitCallLog, GitRepo, record_git_calls
from intents.repositories import repository_resolve
from intents.tests.factories import create_intent
from intents.validation import ValidationOptions, intent_validate
from security.models import SecurityScan
from security.services import security_scan

# A first validation of a clean intent whose pre-scan is ready (checks skipped): the intent
# with its last decision; the flag overrides (a test runs in a transaction, where they are
# not cached: once per validation); the review, security and archaeology inputs of its
# fingerprint; the intents queued ahead of it; the reusable scan; then one transaction (the
# intent's row, its commit links, the chain head read and moved, the events, the decision);
# once committed, the notification's flag. The other after-decision hooks are handed the
# intent's level and origin and read nothing.
QUERIES = 15
# merge-tree and diff side by side, then the blobs of the scanned files.
GIT = ["diff", "ls-tree", "merge-tree"]
SKIP_CHECKS = ValidationOptions(skip_checks=True)


@pytest.fixture
def repo(tmp_path, settings, monkeypatch) -> tuple[GitRepo, GitCallLog]:
    calls = record_git_calls(monkeypatch, tmp_path)  # before the engine captures PATH
    git = GitRepo.create(tmp_path / "repo")
    git.commit("main", {"README.md": "demo\n", "app/settings.py": "DEBUG = False\n"})
    settings.CONVERGE_REPO_PATH = str(git.path)
    settings.CONVERGE_HOME = str(tmp_path / "home")
    return git, calls


def _costs(
    intent_id: str, calls: GitCallLog, on_commit: Any
) -> tuple[dict[str, Any], int, list[str]]:
    calls.clear()
    with CaptureQueriesContext(connection) as queries, on_commit(execute=True):
        decision = intent_validate(intent_id=intent_id, options=SKIP_CHECKS)
    transaction_control = {"BEGIN", "COMMIT", "SAVEPOINT", "RELEASE"}
    counted = [q for q in queries if q["sql"].split(" ", 1)[0] not in transaction_control]
    return decision, len(counted), sorted(calls.commands())


def _intent(git: GitRepo, name: str, files: Mapping[str, str]) -> str:
    git.commit(f"feature/{name}", files, start="main")
    repository = repository_resolve(git.path)
    create_intent(repository, name)
    security_scan(intent_id=name, trigger=ScanTrigger.PRESCAN)  # the worker's pre-scan
    return name


@pytest.mark.django_db
def test_a_validation_costs_the_same_queries_and_git_processes_for_any_change(
    repo, django_capture_on_commit_callbacks
):
    git, calls = repo
    small = _intent(git, "small", {"app/a.py": "A = 1\n"})
    wide = _intent(git, "wide", {f"app/m{j}.py": f"X = {j}\n" for j in range(5)})
    for intent_id in (small, wide):
        decision, queries, processes = _costs(intent_id, calls, django_capture_on_commit_callbacks)
        assert decision["decision"] == "validated", decision.get("reason")
        assert (queries, processes) == (QUERIES, GIT)


@pytest.mark.django_db
def test_a_revalidation_after_an_unrelated_merge_reuses_the_scan(
    repo, django_capture_on_commit_callbacks
):
    git, calls = repo
    name = _intent(git, "conf", {"app/settings.py": "DEBUG = True\n", "app/b.py": "B = 2\n"})
    _costs(name, calls, django_capture_on_commit_callbacks)
    scans = SecurityScan.objects.count()
    git.commit("main", {"docs/notes.md": "moved\n"})
    decision, queries, processes = _costs(name, calls, django_capture_on_commit_callbacks)
    assert decision["decision"] == "validated"
    assert (queries, processes) == (QUERIES, GIT)
    assert SecurityScan.objects.count() == scans  # no scanner ran
