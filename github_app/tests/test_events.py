"""The other events: closing, labels, drafts, intake, pushes, re-runs and installations."""

from __future__ import annotations

import copy

from conftest import git
from converge_core.github import TRUNCATION_MARKER
from github_app.models import GithubRepository, Installation
from github_app.tests.conftest import FULL_NAME, INSTALLATION, fixture_payload, pr_payload
from intents.models import Intent
from intents.queue.run import QueueOptions, queue_run
from ledger.models import Event

INTENT = f"{FULL_NAME}:pr-7"


def _open(remote, deliver, **extra) -> str:
    head = remote.push_branch("feature/widget", {"widget.py": "WIDGET = 1\n"})
    deliver(
        "pull_request",
        pr_payload(
            "opened", number=7, head_ref="feature/widget", head_sha=head, remote=remote, **extra
        ),
    )
    return head


def test_a_merged_pull_request_marks_the_intent_merged(db, github, remote, deliver):
    head = _open(remote, deliver)

    deliver(
        "pull_request",
        pr_payload(
            "closed", number=7, head_ref="feature/widget", head_sha=head, remote=remote, merged=True
        ),
    )

    assert Intent.objects.get(pk=INTENT).status == "MERGED"
    event = Event.objects.get(event_type="intent.merged", intent_id=INTENT)
    assert event.payload["trigger"] == "github_pr_closed"
    assert github.runs_on(head)[0]["conclusion"] == "success"


def test_a_closed_unmerged_pull_request_is_rejected_and_a_reopen_revalidates_it(
    db, github, remote, deliver
):
    head = _open(remote, deliver)
    closed = pr_payload("closed", number=7, head_ref="feature/widget", head_sha=head, remote=remote)

    deliver("pull_request", closed)

    assert Intent.objects.get(pk=INTENT).status == "REJECTED"
    assert github.runs_on(head)[0]["conclusion"] == "failure"

    deliver("pull_request", {**closed, "action": "reopened"})

    assert Intent.objects.get(pk=INTENT).status == "VALIDATED"
    requeued = Event.objects.get(event_type="intent.requeued", intent_id=INTENT)
    assert requeued.payload["trigger"] == "pr_reopened"
    assert github.runs_on(head)[0]["conclusion"] == "success"


def test_labels_set_risk_level_and_priority_whenever_they_change(db, github, remote, deliver):
    head = _open(remote, deliver, labels=("risk:high", "priority:1"))
    intent = Intent.objects.get(pk=INTENT)
    assert (intent.risk_level, intent.declared_risk_level, intent.priority) == ("high", "high", 1)

    deliver(
        "pull_request",
        pr_payload(
            "labeled",
            number=7,
            head_ref="feature/widget",
            head_sha=head,
            remote=remote,
            labels=("risk:low", "priority:4"),
        ),
    )

    intent.refresh_from_db()
    assert (intent.declared_risk_level, intent.priority) == ("low", 4)
    updated = Event.objects.filter(event_type="intent.updated", intent_id=INTENT).get()
    assert set(updated.payload["changes"]) >= {"risk_level", "priority"}


def test_a_draft_is_validated_but_not_queued_until_ready(
    db, github, remote, deliver, django_capture_on_commit_callbacks
):
    head = _open(remote, deliver, draft=True)
    intent = Intent.objects.select_related("repository").get(pk=INTENT)
    assert intent.status == "VALIDATED"
    assert github.runs_on(head)[0]["conclusion"] == "success"

    with django_capture_on_commit_callbacks(execute=True):
        outcome = queue_run(repository=intent.repository, options=QueueOptions(auto_confirm=True))

    assert [r["decision"] for r in outcome["results"]] == ["draft"]
    deliver(
        "pull_request",
        pr_payload(
            "ready_for_review", number=7, head_ref="feature/widget", head_sha=head, remote=remote
        ),
    )
    assert Intent.objects.get(pk=INTENT).technical["draft"] is False


def test_a_body_over_the_limit_is_truncated_with_a_marker(db, github, remote, deliver):
    _open(remote, deliver, body="x" * 20_000)

    objective = Intent.objects.get(pk=INTENT).semantic["objective"]
    assert len(objective) == 10_000
    assert objective.endswith(TRUNCATION_MARKER)


def test_a_null_body_falls_back_to_the_title(db, github, remote, deliver):
    _open(remote, deliver, body=None)

    assert Intent.objects.get(pk=INTENT).semantic["objective"] == "Add a widget"


def test_an_intake_refusal_gets_an_action_required_check_run(db, github, remote, deliver):
    from intake.services import intake_mode_set

    intake_mode_set(mode="pause", actor="operator", tenant_id=None)
    head = remote.push_branch("feature/widget", {"widget.py": "WIDGET = 1\n"})

    deliver(
        "pull_request",
        pr_payload("opened", number=7, head_ref="feature/widget", head_sha=head, remote=remote),
    )

    assert not Intent.objects.filter(pk=INTENT).exists()
    run = github.runs_on(head)[0]
    assert run["conclusion"] == "action_required"
    assert "Refused by intake" in run["output"]["title"]


def test_a_push_to_the_source_branch_revalidates_its_intent(db, github, remote, deliver):
    first = _open(remote, deliver)
    second = remote.push_to("feature/widget", {"widget.py": "WIDGET = 9\n"})
    push = copy.deepcopy(fixture_payload("push"))
    push.update(ref="refs/heads/feature/widget", before=first, after=second, deleted=False)
    push["repository"].update(full_name=FULL_NAME, clone_url=str(remote.bare))

    response = deliver("push", push)

    assert response.status_code == 200
    intent = Intent.objects.get(pk=INTENT)
    assert intent.technical["head_sha"] == second
    assert intent.status == "VALIDATED"
    requeued = Event.objects.get(event_type="intent.requeued", intent_id=INTENT)
    assert requeued.payload["trigger"] == "push_revalidation"
    assert github.runs_on(second)[0]["conclusion"] == "success"


def test_a_push_to_the_target_revalidates_the_intents_waiting_on_it(db, github, remote, deliver):
    head = _open(remote, deliver)
    before = remote.sha("refs/heads/main")
    after = remote.push_to("main", {"widget.py": "CLASH = 1\n"})
    push = copy.deepcopy(fixture_payload("push"))
    push.update(ref="refs/heads/main", before=before, after=after, deleted=False)
    push["repository"].update(full_name=FULL_NAME, clone_url=str(remote.bare))

    deliver("push", push)

    run = github.runs_on(head)[0]
    assert run["conclusion"] == "failure"
    assert "widget.py" in run["output"]["summary"]


def test_a_rerequested_check_run_revalidates_and_starts_a_new_run(db, github, remote, deliver):
    head = _open(remote, deliver)
    payload = copy.deepcopy(fixture_payload("check_run.rerequested"))
    payload["installation"] = {"id": INSTALLATION}
    payload["repository"].update(full_name=FULL_NAME, clone_url=str(remote.bare))
    payload["check_run"].update(head_sha=head, pull_requests=[])

    response = deliver("check_run", payload)

    assert response.status_code == 200
    runs = github.runs_on(head)
    assert len(runs) == 2
    assert runs[-1]["conclusion"] == "success"
    assert Event.objects.filter(event_type="intent.validated", intent_id=INTENT).count() == 2


def test_an_installation_is_recorded_with_its_repositories(db, github, remote, deliver):
    _open(remote, deliver)
    payload = copy.deepcopy(fixture_payload("installation.created"))
    payload["installation"]["id"] = 99
    payload["repositories"] = [{"full_name": FULL_NAME}]

    deliver("installation", payload)

    assert Installation.objects.get().installation_id == 99
    assert GithubRepository.objects.get(full_name=FULL_NAME).installation_id == 99


def test_a_fork_pull_request_is_validated_from_its_pull_ref(db, github, remote, deliver):
    head = remote.push_branch("fork-main", {"fork.py": "FORK = 1\n"})
    git(remote.bare, "update-ref", "refs/pull/8/head", head)
    git(remote.bare, "update-ref", "-d", "refs/heads/fork-main")  # the branch lives in the fork
    payload = pr_payload("opened", number=8, head_ref="main", head_sha=head, remote=remote)
    payload["pull_request"]["head"]["repo"] = {"full_name": "contributor/widgets"}

    deliver("pull_request", payload)

    intent = Intent.objects.get(pk=f"{FULL_NAME}:pr-8")
    assert intent.source == "pull/8/head"
    assert intent.status == "VALIDATED"
    assert github.runs_on(head)[0]["conclusion"] == "success"


def test_an_installation_maps_to_its_tenant_and_events_are_stamped_with_it(
    db, github, remote, deliver, settings
):
    settings.CONVERGE_GITHUB_DEFAULT_TENANT = "tenant-default"
    settings.CONVERGE_GITHUB_INSTALLATION_TENANTS = f"{INSTALLATION}:tenant-a, 9:tenant-b"

    _open(remote, deliver)

    assert Intent.objects.get(pk=INTENT).tenant_id == "tenant-a"
    received = Event.objects.get(event_type="webhook.received")
    assert received.tenant_id == "tenant-a"
    published = Event.objects.filter(event_type="github.decision_published", intent_id=INTENT)
    assert {event.tenant_id for event in published} == {"tenant-a"}


def test_without_a_mapping_the_default_tenant_applies(db, github, remote, deliver, settings):
    settings.CONVERGE_GITHUB_DEFAULT_TENANT = "tenant-default"

    _open(remote, deliver)

    assert Intent.objects.get(pk=INTENT).tenant_id == "tenant-default"


def test_a_push_to_a_repository_without_intents_is_not_mirrored(db, github, remote, deliver):
    from github_app.models import WebhookDelivery

    push = copy.deepcopy(fixture_payload("push"))
    push.update(ref="refs/heads/main", after=remote.sha("refs/heads/main"), deleted=False)
    push["repository"].update(full_name=FULL_NAME, clone_url=str(remote.bare))

    deliver("push", push, delivery_id="push-1")

    assert not GithubRepository.objects.exists()
    assert WebhookDelivery.objects.get().result == {
        "action": "ignored",
        "reason": "unknown_repository",
    }


def test_a_tag_push_is_ignored(db, github, remote, deliver):
    from github_app.models import WebhookDelivery

    push = copy.deepcopy(fixture_payload("push"))
    push.update(ref="refs/tags/v1", after=remote.sha("refs/heads/main"), deleted=False)
    push["repository"].update(full_name=FULL_NAME, clone_url=str(remote.bare))

    deliver("push", push)

    assert WebhookDelivery.objects.get().result == {
        "action": "ignored",
        "reason": "not_branch_push",
    }
