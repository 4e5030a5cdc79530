"""A pull request as a new user meets it: opened, validated, published; conflicting; replayed;
synchronized."""

from __future__ import annotations

from converge_core.github import ANNOTATIONS_PER_REQUEST
from github_app.models import CheckRun, WebhookDelivery
from github_app.tests.conftest import FULL_NAME, INSTALLATION, pr_payload
from intents.models import Intent
from ledger.models import Event

INTENT = f"{FULL_NAME}:pr-7"


def test_an_opened_pull_request_is_validated_and_gets_a_successful_check_run(
    db, github, remote, deliver
):
    head = remote.push_branch("feature/widget", {"widget.py": "WIDGET = 1\n"})

    response = deliver(
        "pull_request",
        pr_payload("opened", number=7, head_ref="feature/widget", head_sha=head, remote=remote),
        delivery_id="delivery-1",
    )

    assert response.status_code == 200
    assert response.json() == {
        "ok": True,
        "delivery_id": "delivery-1",
        "github_event": "pull_request",
        "action": "opened",
    }
    intent = Intent.objects.get(pk=INTENT)
    assert intent.status == "VALIDATED"
    assert intent.created_by == "octocat"
    assert intent.origin_type == "integration"
    assert intent.source == "feature/widget"
    assert intent.semantic == {
        "problem_statement": "Add a widget",
        "objective": "Widgets for everyone",
    }
    assert intent.technical["head_sha"] == head
    assert intent.technical["installation_id"] == INSTALLATION
    token_requests = github.sent("POST", rf"/app/installations/{INSTALLATION}/access_tokens")
    assert len(token_requests) == 1  # cached for every later call
    assert token_requests[0].headers["authorization"].startswith("Bearer ")
    runs = github.runs_on(head)
    assert len(runs) == 1  # one check-run per head, created then updated
    run = runs[0]
    assert run["name"] == "Converge Risk Gate"
    assert run["status"] == "completed" and run["conclusion"] == "success"
    assert "**Decision:** validated" in run["output"]["summary"]
    assert "### Gates (ALLOW)" in run["output"]["summary"]
    creates = github.sent("POST", rf"/repos/{FULL_NAME}/check-runs")
    assert [r.body["status"] for r in creates] == ["in_progress"]
    assert creates[0].headers["authorization"].startswith("token ghs_installation4242")
    assert creates[0].headers["x-github-api-version"] == "2022-11-28"
    assert [s["state"] for s in github.statuses] == ["pending", "success"]
    assert {s["context"] for s in github.statuses} == {"converge/risk-gate"}
    delivery = WebhookDelivery.objects.get(delivery_id="delivery-1")
    assert delivery.status == "completed"
    assert delivery.result == {"intent_id": INTENT, "action": "created"}
    published = Event.objects.filter(event_type="github.decision_published", intent_id=INTENT)
    assert [e.payload["decision"] for e in published.order_by("seq")] == ["pending", "validated"]


def test_a_conflicting_pull_request_gets_a_failed_check_run_naming_the_files(
    db, github, remote, deliver
):
    head = remote.push_branch("feature/clash", {"app.py": "VALUE = 2\n"})
    remote.push_to("main", {"app.py": "VALUE = 3\n"})

    deliver(
        "pull_request",
        pr_payload("opened", number=7, head_ref="feature/clash", head_sha=head, remote=remote),
    )

    run = github.runs_on(head)[0]
    assert run["conclusion"] == "failure"
    assert "Merge conflicts: app.py" in run["output"]["summary"]
    assert "- `app.py`" in run["output"]["summary"]
    assert [a["path"] for a in run["annotations"]] == ["app.py"]
    assert run["annotations"][0]["annotation_level"] == "failure"
    assert github.statuses[-1]["state"] == "failure"


def test_a_replayed_delivery_changes_nothing(db, github, remote, deliver):
    head = remote.push_branch("feature/widget", {"widget.py": "WIDGET = 1\n"})
    payload = pr_payload(
        "opened", number=7, head_ref="feature/widget", head_sha=head, remote=remote
    )
    deliver("pull_request", payload, delivery_id="delivery-1")
    events, requests = Event.objects.count(), len(github.requests)

    replay = deliver("pull_request", payload, delivery_id="delivery-1")

    assert replay.status_code == 200
    assert replay.json() == {"ok": True, "delivery_id": "delivery-1", "duplicate": True}
    assert Event.objects.count() == events
    assert len(github.requests) == requests
    assert WebhookDelivery.objects.count() == 1


def test_a_synchronize_revalidates_the_new_head_and_supersedes_the_old_check_run(
    db, github, remote, deliver
):
    first = remote.push_branch("feature/widget", {"widget.py": "WIDGET = 1\n"})
    deliver(
        "pull_request",
        pr_payload("opened", number=7, head_ref="feature/widget", head_sha=first, remote=remote),
    )
    second = remote.push_to("feature/widget", {"widget.py": "WIDGET = 2\n"})

    deliver(
        "pull_request",
        pr_payload(
            "synchronize", number=7, head_ref="feature/widget", head_sha=second, remote=remote
        ),
    )

    intent = Intent.objects.get(pk=INTENT)
    assert intent.status == "VALIDATED"
    assert intent.technical["head_sha"] == second
    new_run = github.runs_on(second)[0]
    assert new_run["conclusion"] == "success"
    old_run = github.runs_on(first)[0]
    assert old_run["conclusion"] == "cancelled"
    assert "Superseded" in old_run["output"]["title"]
    requeued = Event.objects.filter(event_type="intent.requeued", intent_id=INTENT).get()
    assert requeued.payload["trigger"] == "pr_synchronize"
    assert requeued.payload["new_head_sha"] == second
    assert Event.objects.filter(event_type="intent.created", intent_id=INTENT).count() == 1
    assert CheckRun.objects.filter(intent_id=INTENT).count() == 2


def test_annotations_are_sent_in_batches_within_githubs_limit(db, github, remote, deliver):
    files = {f"pkg/module_{n:03}.py": f"A = {n}\n" for n in range(ANNOTATIONS_PER_REQUEST + 7)}
    remote.push_to("main", files)
    head = remote.push_branch("feature/many", {name: "B = 0\n" for name in files}, base="main~1")

    deliver(
        "pull_request",
        pr_payload("opened", number=7, head_ref="feature/many", head_sha=head, remote=remote),
    )

    run = github.runs_on(head)[0]
    assert run["conclusion"] == "failure"
    assert len(run["annotations"]) == ANNOTATIONS_PER_REQUEST + 7
    patches = github.sent("PATCH", rf"/repos/{FULL_NAME}/check-runs/{run['id']}")
    sizes = [len((p.body.get("output") or {}).get("annotations") or []) for p in patches]
    assert sizes == [ANNOTATIONS_PER_REQUEST, 7]
