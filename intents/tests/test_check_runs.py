"""Check runs as rows: offered to the workers as tasks, claimed once, taken over when stale."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from intents.models import CheckRun
from intents.queue.checkruns import check_run_execute, tree_checks_run
from intents.repositories import repository_resolve
from intents.tests.batch_helpers import checked_repo


@pytest.fixture
def repo(tmp_path, settings):
    settings.CONVERGE_HOME = tmp_path / "home"
    return checked_repo(tmp_path / "repo")


@pytest.fixture
def repository(db, repo):
    return repository_resolve(repo.path)


def _tree(repo):
    return repo.git("rev-parse", "main^{tree}").strip()


def test_the_checks_of_a_tree_go_to_the_workers_as_tasks(repo, repository):
    checks = tree_checks_run(
        repository=repository,
        tree_sha=_tree(repo),
        commands={"lint": ["python3", "check.py"], "unit": None},
        flaky_retries=0,
        holder="queue-runner",
    )

    assert checks["lint"].outcome.status == "passed"
    assert checks["unit"].outcome.status == "not_configured" and checks["unit"].attempts == 0
    [run] = CheckRun.objects.all()
    # eager Celery ran the offered task before the queue could take the row itself
    assert run.claimed_by != "queue-runner" and run.state == "passed"
    assert "ok" in run.details


def test_a_run_claimed_elsewhere_is_not_run_twice_and_a_stale_one_is_taken_over(
    repo, repository, settings
):
    tree = _tree(repo)
    run = CheckRun.objects.create(
        repository=repository,
        tree_sha=tree,
        check_type="lint",
        command=["python3", "check.py"],
        state="running",
        claimed_by="worker-a",
        started_at=timezone.now(),
    )

    assert check_run_execute(run_id=run.pk, holder="worker-b") is None
    assert CheckRun.objects.get(pk=run.pk).claimed_by == "worker-a"

    stale = timezone.now() - timedelta(seconds=settings.CONVERGE_CHECK_TIMEOUT + 60)
    CheckRun.objects.filter(pk=run.pk).update(started_at=stale)

    assert check_run_execute(run_id=run.pk, holder="worker-b") == "passed"
    taken = CheckRun.objects.get(pk=run.pk)
    assert (taken.claimed_by, taken.state) == ("worker-b", "passed")
    assert check_run_execute(run_id=run.pk, holder="worker-c") is None  # finished
