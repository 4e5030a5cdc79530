"""With auto-confirm, a pull request is merged through GitHub's merge API pinned to the
validated head, after checking its base; a moved base is revalidated, a merge queue gates."""

from __future__ import annotations

from pathlib import Path

from conftest import git
from github_app.tests.conftest import FULL_NAME, pr_payload
from intents.models import Intent
from intents.queue.run import QueueOptions, queue_run
from ledger.models import Event

INTENT = f"{FULL_NAME}:pr-7"


def _opened(github, remote, deliver) -> str:
    head = remote.push_branch("feature/widget", {"widget.py": "WIDGET = 1\n"})
    github.pulls[(FULL_NAME, 7)] = {"head": "feature/widget", "base": "main"}
    deliver(
        "pull_request",
        pr_payload("opened", number=7, head_ref="feature/widget", head_sha=head, remote=remote),
    )
    return head


def _run_queue(django_capture_on_commit_callbacks) -> dict:
    intent = Intent.objects.select_related("repository").get(pk=INTENT)
    with django_capture_on_commit_callbacks(execute=True):
        return queue_run(repository=intent.repository, options=QueueOptions(auto_confirm=True))


def test_the_queue_merges_through_the_pull_request_api_pinned_to_the_head(
    db, github, remote, deliver, django_capture_on_commit_callbacks
):
    head = _opened(github, remote, deliver)
    main_before = remote.sha("refs/heads/main")
    mirror = Intent.objects.get(pk=INTENT).repository.path

    _run_queue(django_capture_on_commit_callbacks)

    merges = github.sent("PUT", rf"/repos/{FULL_NAME}/pulls/7/merge")
    assert len(merges) == 1
    assert merges[0].body == {"sha": head, "merge_method": "merge"}
    assert github.sent("GET", rf"/repos/{FULL_NAME}/branches/main")
    intent = Intent.objects.get(pk=INTENT)
    assert intent.status == "MERGED"
    merged = Event.objects.get(event_type="intent.merged", intent_id=INTENT)
    assert merged.payload["merged_commit"] == remote.sha("refs/heads/main")
    assert remote.sha("refs/heads/main^1") == main_before  # GitHub made the merge, not us
    # the mirror fetched GitHub's merge afterwards
    assert git(Path(mirror), "rev-parse", "refs/heads/main") == remote.sha("refs/heads/main")
    assert github.runs_on(head)[0]["conclusion"] == "success"


def test_a_base_that_moved_since_validation_is_revalidated_not_merged(
    db, github, remote, deliver, django_capture_on_commit_callbacks
):
    head = _opened(github, remote, deliver)
    moved = remote.push_to("main", {"other.py": "OTHER = 1\n"})  # no webhook about it yet

    first = _run_queue(django_capture_on_commit_callbacks)

    assert github.sent("PUT", rf"/repos/{FULL_NAME}/pulls/7/merge") == []
    deferred = [r for r in first["results"] if r.get("intent_id") == INTENT]
    assert deferred[0]["decision"] == "merge_deferred"
    assert Intent.objects.get(pk=INTENT).retries == 0

    _run_queue(django_capture_on_commit_callbacks)  # the next pass sees the fetched base

    simulations = Event.objects.filter(event_type="simulation.completed", intent_id=INTENT)
    assert simulations.order_by("-seq")[0].payload["target_sha"] == moved
    merges = github.sent("PUT", rf"/repos/{FULL_NAME}/pulls/7/merge")
    assert [m.body["sha"] for m in merges] == [head]
    assert Intent.objects.get(pk=INTENT).status == "MERGED"


def test_a_branch_behind_githubs_merge_queue_is_gated_not_merged(
    db, github, remote, deliver, django_capture_on_commit_callbacks
):
    _opened(github, remote, deliver)
    github.rules[(FULL_NAME, "main")] = [{"type": "merge_queue", "parameters": {}}]

    outcome = _run_queue(django_capture_on_commit_callbacks)

    assert github.sent("PUT", rf"/repos/{FULL_NAME}/pulls/7/merge") == []
    assert Intent.objects.get(pk=INTENT).status == "QUEUED"
    results = [r for r in outcome["results"] if r.get("intent_id") == INTENT]
    assert results[0]["decision"] == "merge_deferred"
    assert "merge queue" in results[0]["reason"]

    _run_queue(django_capture_on_commit_callbacks)  # the queue asks again on its next pass

    assert len(github.sent("GET", rf"/repos/{FULL_NAME}/rules/branches/main")) == 1  # remembered
    assert Event.objects.filter(event_type="intent.merge_failed").count() == 0


def test_a_head_moved_at_merge_time_is_refused_by_github_and_not_charged(
    db, github, remote, deliver, django_capture_on_commit_callbacks
):
    _opened(github, remote, deliver)
    github.faults.append(("PUT", rf"/repos/{FULL_NAME}/pulls/7/merge", 409))

    _run_queue(django_capture_on_commit_callbacks)

    intent = Intent.objects.get(pk=INTENT)
    assert intent.status in ("QUEUED", "VALIDATED")
    assert intent.retries == 0


def test_a_pull_request_merged_on_github_meanwhile_is_recorded_not_merged_again(
    db, github, remote, deliver, django_capture_on_commit_callbacks
):
    _opened(github, remote, deliver)
    github.pulls[(FULL_NAME, 7)].update(merged=True, merge_commit_sha="c" * 40)

    _run_queue(django_capture_on_commit_callbacks)

    assert github.sent("PUT", rf"/repos/{FULL_NAME}/pulls/7/merge") == []
    assert Intent.objects.get(pk=INTENT).status == "MERGED"
    merged = Event.objects.get(event_type="intent.merged", intent_id=INTENT)
    assert merged.payload["merged_commit"] == "c" * 40
