"""An intent whose processing raises unexpectedly is set aside; the rest of the batch goes on.

The bad intent's data is written straight to the row (``technical.scope_hint`` = 5), the way
rows created before input validation existed look: risk scoring then raises ``TypeError``.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from celery.exceptions import SoftTimeLimitExceeded
from django.db import OperationalError
from django.utils import timezone
from prometheus_client import REGISTRY

from converge_core.errors import InvalidInput
from converge_core.tests.gitrepo import GitRepo
from intents.failures import is_isolated
from intents.models import Intent, ProcessingFailure
from intents.repositories import repository_resolve
from intents.services import intent_update
from intents.tasks import queue_process_task, ready_intents_dispatch_task
from intents.tests.factories import create_intent
from intents.tests.queue_helpers import validated_intent
from intents.worker import ready_intents_pending
from ledger.models import Event

TYPE_ERROR = "'int' object is not iterable"


@pytest.fixture
def repo(tmp_path, settings):
    git = GitRepo.create(tmp_path / "repo")
    git.commit("main", {"README.md": "demo\n"})
    settings.CONVERGE_HOME = tmp_path / "home"
    settings.CONVERGE_REPO_PATH = str(git.path)
    settings.CONVERGE_WORKER_AUTO_CONFIRM = True
    settings.CONVERGE_WORKER_TARGETS = ["main"]
    return git


@pytest.fixture
def repository(db, repo):
    return repository_resolve(repo.path)


def _failures(stage: str, error_class: str = "TypeError") -> float:
    labels = {"stage": stage, "error_class": error_class}
    return REGISTRY.get_sample_value("converge_intent_processing_failures_total", labels) or 0.0


def _corrupt(intent_id: str, scope_hint: object = 5) -> None:
    """Bad data written with the ORM, bypassing every service (``updated_at`` unchanged)."""
    Intent.objects.filter(pk=intent_id).update(technical={"scope_hint": scope_hint})


def _ready_pair(repository, repo) -> None:
    """``bad`` (first in queue order) and ``good``, both READY."""
    for intent_id, priority in (("bad", 1), ("good", 2)):
        repo.commit(f"feature/{intent_id}", {f"docs/{intent_id}.md": "x\n"}, start="main")
        create_intent(repository, intent_id, source=f"feature/{intent_id}", priority=priority)
    _corrupt("bad")


def _failed_events(intent_id: str) -> list[dict]:
    return list(
        Event.objects.filter(intent_id=intent_id, event_type="intent.processing_failed")
        .order_by("seq")
        .values_list("payload", flat=True)
    )


def _seconds_until(moment) -> float:
    return (moment - timezone.now()).total_seconds()


def test_a_validation_that_raises_sets_the_intent_aside_and_the_batch_goes_on(
    repo, repository, cli, client
):
    _ready_pair(repository, repo)
    before = _failures("validate")

    assert ready_intents_dispatch_task() == 2  # eager: an unisolated error would raise here

    assert Intent.objects.get(pk="good").status == "VALIDATED"
    assert Intent.objects.get(pk="bad").status == "READY"
    assert _failed_events("bad") == [
        {"stage": "validate", "error_class": "TypeError", "message": TYPE_ERROR}
    ]
    row = ProcessingFailure.objects.get(intent_id="bad")
    assert row.failures == 1 and 55 < _seconds_until(row.retry_at) <= 60
    assert _failures("validate") == before + 1

    # Set aside: the next cycles do not dispatch it, record nothing and count nothing.
    assert ready_intents_pending(targets=["main"], limit=20) == []
    assert ready_intents_dispatch_task() == 0
    assert len(_failed_events("bad")) == 1 and _failures("validate") == before + 1

    status = cli("intent", "status", "--intent-id", "bad").json
    assert status["processing_failure"]["set_aside"] is True
    assert status["processing_failure"]["error_class"] == "TypeError"
    assert status["processing_failure"]["stage"] == "validate"
    assert cli("intent", "status", "--intent-id", "good").json["processing_failure"] is None
    inspect = cli("queue", "inspect").json
    assert [entry["intent_id"] for entry in inspect["set_aside"]] == ["bad"]
    scraped = client.get("/metrics").content.decode().splitlines()
    assert "converge_intents_set_aside 1.0" in scraped


def test_after_the_back_off_it_is_retried_and_only_a_new_error_is_recorded_again(repo, repository):
    _ready_pair(repository, repo)
    ready_intents_dispatch_task()
    before = _failures("validate")

    ProcessingFailure.objects.update(retry_at=timezone.now() - timedelta(seconds=1))
    assert ready_intents_pending(targets=["main"], limit=20) == ["bad"]
    ready_intents_dispatch_task()

    row = ProcessingFailure.objects.get(intent_id="bad")
    assert row.failures == 2 and 115 < _seconds_until(row.retry_at) <= 120  # doubled
    assert len(_failed_events("bad")) == 1  # the same failure again: not re-recorded
    assert _failures("validate") == before + 1  # but counted

    _corrupt("bad", 5.5)  # another error message
    ProcessingFailure.objects.update(retry_at=timezone.now() - timedelta(seconds=1))
    ready_intents_dispatch_task()

    assert _failed_events("bad")[-1]["message"] == "'float' object is not iterable"
    assert len(_failed_events("bad")) == 2
    assert ProcessingFailure.objects.get(intent_id="bad").failures == 3


def test_the_back_off_doubles_up_to_an_hour(repo, repository):
    _ready_pair(repository, repo)
    for _ in range(8):
        ProcessingFailure.objects.update(retry_at=timezone.now() - timedelta(seconds=1))
        ready_intents_dispatch_task()
    row = ProcessingFailure.objects.get(intent_id="bad")
    assert row.failures == 8 and 3595 < _seconds_until(row.retry_at) <= 3600
    assert len(_failed_events("bad")) == 1


def test_queue_reset_clears_the_back_off(repo, repository, cli):
    _ready_pair(repository, repo)
    ready_intents_dispatch_task()

    result = cli("queue", "reset", "--intent-id", "bad")

    assert result.exit_code == 0
    assert not ProcessingFailure.objects.exists()
    reset = Event.objects.filter(intent_id="bad", event_type="queue.reset").get()
    assert reset.payload["processing_failure_cleared"] is True
    assert ready_intents_pending(targets=["main"], limit=20) == ["bad"]
    assert cli("intent", "status", "--intent-id", "bad").json["processing_failure"] is None


def test_a_change_of_the_target_or_of_the_intent_ends_the_back_off(repo, repository):
    _ready_pair(repository, repo)
    ready_intents_dispatch_task()
    ProcessingFailure.objects.update(retry_at=timezone.now() - timedelta(seconds=1))
    ready_intents_dispatch_task()
    assert ProcessingFailure.objects.get(intent_id="bad").failures == 2
    assert ready_intents_pending(targets=["main"], limit=20) == []

    repo.commit("main", {"CHANGELOG.md": "moved\n"})  # the target moved
    assert ready_intents_pending(targets=["main"], limit=20) == ["bad"]
    ready_intents_dispatch_task()  # fails the same way: the back-off starts again
    row = ProcessingFailure.objects.get(intent_id="bad")
    assert row.failures == 1 and 55 < _seconds_until(row.retry_at) <= 60
    assert len(_failed_events("bad")) == 1  # the same error: still one event

    intent_update(intent_id="bad", changes={"priority": 4}, actor="tester")  # the intent changed
    assert ready_intents_pending(targets=["main"], limit=20) == ["bad"]


def test_a_success_after_the_back_off_clears_the_failure(repo, repository):
    _ready_pair(repository, repo)
    ready_intents_dispatch_task()
    _corrupt("bad", ["docs"])  # repaired in place
    ProcessingFailure.objects.update(retry_at=timezone.now() - timedelta(seconds=1))

    ready_intents_dispatch_task()

    assert Intent.objects.get(pk="bad").status == "VALIDATED"
    assert not ProcessingFailure.objects.exists()


def test_a_queue_run_sets_aside_the_intent_that_raises_and_merges_the_rest(repo, repository, cli):
    validated_intent(repository, repo, "bad", {"docs/bad.md": "b\n"}, priority=1)
    validated_intent(repository, repo, "good", {"docs/good.md": "g\n"}, priority=2)
    _corrupt("bad")
    before = _failures("queue")

    outcome = queue_process_task(repository.id, "main")

    assert outcome["status"] == "done"
    assert outcome["decisions"] == {"processing_failed": 1, "merged": 1}
    assert Intent.objects.get(pk="good").status == "MERGED"
    assert Intent.objects.get(pk="bad").status == "VALIDATED"  # nothing charged
    assert Intent.objects.get(pk="bad").retries == 0
    assert _failed_events("bad") == [
        {"stage": "queue", "error_class": "TypeError", "message": TYPE_ERROR}
    ]
    assert _failures("queue") == before + 1
    assert Intent.objects.get(pk="bad").claimed_by is None

    # "good" moved the target: the next run retries "bad", which fails the same way (counted,
    # not recorded), and the run after that skips it. Neither leaves a trace in the log.
    processed = Event.objects.filter(event_type="queue.processed").count()
    retried = cli("queue", "run", "--auto-confirm", "--skip-checks")
    assert retried.exit_code == 0 and retried.json["results"] == []
    assert [(s["intent_id"], s["decision"]) for s in retried.json["skipped"]] == [
        ("bad", "processing_failed")
    ]
    assert _failures("queue") == before + 2
    skipped = cli("queue", "run", "--auto-confirm", "--skip-checks")
    assert [(s["intent_id"], s["decision"]) for s in skipped.json["skipped"]] == [
        ("bad", "set_aside")
    ]
    assert "TypeError" in skipped.json["skipped"][0]["reason"]
    assert Event.objects.filter(event_type="queue.processed").count() == processed
    assert len(_failed_events("bad")) == 1 and _failures("queue") == before + 2


@pytest.mark.parametrize(
    ("error", "isolated"),
    [
        (TypeError("x"), True),
        (KeyError("x"), True),
        (InvalidInput("domain errors are decisions"), False),
        (OperationalError("the database is unreachable"), False),
        (SoftTimeLimitExceeded(), False),
    ],
)
def test_only_unexpected_errors_of_the_intent_are_isolated(error, isolated):
    assert is_isolated(error) is isolated
