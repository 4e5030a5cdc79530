"""Publishing survives GitHub: retries on 5xx and rate limits, a new token after a 401, a
failure recorded once and retried by the sweep, and no update GitHub already shows."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from github_app.models import CheckRun
from github_app.publishing import check_run_publish
from github_app.tasks import github_sweep_task
from github_app.tests.conftest import FULL_NAME, pr_payload
from intents.models import Intent
from ledger.models import Event

INTENT = f"{FULL_NAME}:pr-7"


def _open(remote, deliver) -> str:
    head = remote.push_branch("feature/widget", {"widget.py": "WIDGET = 1\n"})
    deliver(
        "pull_request",
        pr_payload("opened", number=7, head_ref="feature/widget", head_sha=head, remote=remote),
    )
    return head


def test_a_5xx_is_retried_with_back_off(db, github, remote, deliver):
    github.faults.append(("POST", rf"/repos/{FULL_NAME}/check-runs", 502))

    head = _open(remote, deliver)

    creates = github.sent("POST", rf"/repos/{FULL_NAME}/check-runs")
    assert len(creates) == 2  # the 502, then the retry
    assert github.runs_on(head)[0]["conclusion"] == "success"
    assert not Event.objects.filter(event_type="github.decision_publish_failed").exists()


def test_a_rate_limit_is_retried(db, github, remote, deliver):
    github.faults.append(("PATCH", rf"/repos/{FULL_NAME}/check-runs/\d+", 429))

    head = _open(remote, deliver)

    assert github.runs_on(head)[0]["conclusion"] == "success"


def test_a_401_drops_the_cached_token_and_tries_once_more(db, github, remote, deliver):
    github.faults.append(("POST", rf"/repos/{FULL_NAME}/check-runs", 401))

    head = _open(remote, deliver)

    assert len(github.sent("POST", r"/app/installations/\d+/access_tokens")) == 2
    assert github.runs_on(head)[0]["status"] == "completed"


def test_a_failed_publish_is_recorded_and_retried_by_the_sweep(
    db, github, remote, deliver, settings, django_capture_on_commit_callbacks
):
    for _ in range(6):  # every attempt (1 + 2 retries) of both publications: pending, validated
        github.faults.append(("POST", rf"/repos/{FULL_NAME}/check-runs", 503))

    head = _open(remote, deliver)

    intent = Intent.objects.get(pk=INTENT)
    assert intent.status == "VALIDATED"  # publishing never blocks validation
    row = CheckRun.objects.get(head_sha=head)
    assert row.status == "failed"
    failed = Event.objects.filter(event_type="github.decision_publish_failed", intent_id=INTENT)
    assert [e.payload["decision"] for e in failed.order_by("seq")] == ["pending", "validated"]
    assert {e.payload["head_sha"] for e in failed} == {head}
    assert github.runs_on(head) == []

    CheckRun.objects.filter(pk=row.pk).update(retry_at=timezone.now() - timedelta(seconds=1))
    with django_capture_on_commit_callbacks(execute=True):
        swept = github_sweep_task.delay().get()

    assert swept["publications"] == 1
    assert CheckRun.objects.get(pk=row.pk).status == "published"
    assert github.runs_on(head)[0]["conclusion"] == "success"


def test_an_unchanged_decision_is_not_sent_again(db, github, remote, deliver):
    head = _open(remote, deliver)
    row = CheckRun.objects.get(head_sha=head)
    sent = len(github.requests)
    CheckRun.objects.filter(pk=row.pk).update(status="pending")

    outcome = check_run_publish(row.pk)

    assert outcome["status"] == "unchanged"
    assert len(github.requests) == sent


def test_publish_mode_checks_sends_no_commit_status(db, github, remote, deliver, settings):
    settings.CONVERGE_GITHUB_PUBLISH_MODE = "checks"

    head = _open(remote, deliver)

    assert github.statuses == []
    assert github.runs_on(head)[0]["conclusion"] == "success"


def test_without_an_app_id_nothing_is_published(db, github, remote, deliver, settings):
    settings.CONVERGE_GITHUB_APP_ID = ""

    _open(remote, deliver)

    assert Intent.objects.get(pk=INTENT).status == "VALIDATED"
    assert github.requests == []
    assert CheckRun.objects.count() == 0


def test_one_publisher_per_check_run_at_a_time(db, github, remote, deliver):
    from django.core.cache import cache

    from github_app.publishing import PUBLISH_LOCK_PREFIX

    head = _open(remote, deliver)
    row = CheckRun.objects.get(head_sha=head)
    CheckRun.objects.filter(pk=row.pk).update(status="pending", published_digest="")
    lock = f"{PUBLISH_LOCK_PREFIX}{row.pk}"
    cache.add(lock, "1")  # another worker is publishing it
    sent = len(github.requests)
    try:
        outcome = check_run_publish(row.pk)
    finally:
        cache.delete(lock)

    assert outcome == {"status": "busy"}
    assert len(github.requests) == sent
