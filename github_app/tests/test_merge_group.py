"""GitHub's merge queue: a merge group is validated as its exact head and gets its check-run;
it never enters Converge's own queue; its destruction is mapped by reason."""

from __future__ import annotations

import copy

from conftest import git
from github_app.tests.conftest import FULL_NAME, INSTALLATION, fixture_payload
from intents.models import Intent
from intents.queue.run import QueueOptions, queue_run
from ledger.models import Event


def _merge_group(remote, action: str = "checks_requested", **extra) -> tuple[dict, str]:
    head = remote.push_branch("feature/widget", {"widget.py": "WIDGET = 1\n"})
    # GitHub's merge group: main with the PR merged, under gh-readonly-queue/.
    queue_ref = f"refs/heads/gh-readonly-queue/main/pr-7-{head}"
    git(remote.work, "checkout", "-q", "-B", "mg", "origin/main")
    git(remote.work, "merge", "-q", "--no-ff", "-m", "Merge group", "origin/feature/widget")
    git(remote.work, "push", "-q", "origin", f"mg:{queue_ref}")
    group_head = remote.sha(queue_ref)
    payload = copy.deepcopy(fixture_payload("merge_group.checks_requested"))
    payload["action"] = action
    payload["installation"] = {"id": INSTALLATION}
    payload["repository"].update(full_name=FULL_NAME, clone_url=str(remote.bare))
    payload["merge_group"].update(
        head_sha=group_head, head_ref=queue_ref, base_sha=remote.sha("refs/heads/main")
    )
    payload.update(extra)
    return payload, group_head


def test_checks_requested_publishes_a_check_run_on_the_merge_group_head(
    db, github, remote, deliver, django_capture_on_commit_callbacks
):
    payload, group_head = _merge_group(remote)

    response = deliver("merge_group", payload)

    assert response.status_code == 200
    intent_id = f"{FULL_NAME}:mg-{group_head[:12]}"
    intent = Intent.objects.get(pk=intent_id)
    assert intent.created_by == "github-merge-queue"
    assert intent.status == "VALIDATED"
    assert intent.source == payload["merge_group"]["head_ref"]
    assert Event.objects.filter(
        event_type="merge_group.checks_requested", intent_id=intent_id
    ).exists()
    assert not Event.objects.filter(event_type="intent.created", intent_id=intent_id).exists()
    runs = github.runs_on(group_head)
    assert len(runs) == 1 and runs[0]["conclusion"] == "success"

    with django_capture_on_commit_callbacks(execute=True):
        outcome = queue_run(repository=intent.repository, options=QueueOptions(auto_confirm=True))

    assert github.sent("PUT", r"/repos/.*/merge") == []
    assert Intent.objects.get(pk=intent_id).status == "VALIDATED"  # validate-only
    held = [r for r in outcome["results"] if r.get("intent_id") == intent_id]
    assert held[0]["decision"] == "merge_group"


def test_a_merged_group_is_not_a_rejection(db, github, remote, deliver):
    payload, group_head = _merge_group(remote)
    deliver("merge_group", payload)
    destroyed = {**payload, "action": "destroyed", "reason": "merged"}

    deliver("merge_group", destroyed)

    intent = Intent.objects.get(pk=f"{FULL_NAME}:mg-{group_head[:12]}")
    assert intent.status == "MERGED"
    event = Event.objects.get(event_type="merge_group.destroyed", intent_id=intent.id)
    assert event.payload["reason"] == "merged"


def test_a_dequeued_group_is_rejected_with_a_failed_check_run(db, github, remote, deliver):
    payload, group_head = _merge_group(remote)
    deliver("merge_group", payload)

    deliver("merge_group", {**payload, "action": "destroyed", "reason": "dequeued"})

    intent = Intent.objects.get(pk=f"{FULL_NAME}:mg-{group_head[:12]}")
    assert intent.status == "REJECTED"
    run = github.runs_on(group_head)[0]
    assert run["conclusion"] == "failure"
    assert "Merge group destroyed: dequeued" in run["output"]["summary"]
