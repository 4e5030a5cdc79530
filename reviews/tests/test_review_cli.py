"""``review request|start|sweep`` and the list filters through the CLI."""

from datetime import timedelta

from django.utils import timezone

from intents.tests.factories import IntentFactory
from reviews.tests.factories import ReviewTaskFactory


def test_request_start_and_list_filters(cli, db, settings):
    settings.CONVERGE_ACTOR = "ops"
    IntentFactory(id="i-1", tenant_id="acme")
    requested = cli(
        "review", "request", "--intent-id", "i-1", "--reviewer", "bob", "--priority", "1"
    )
    assert requested.exit_code == 0
    task = requested.json
    assert (task["status"], task["trigger"], task["priority"]) == ("assigned", "manual", 1)
    started = cli("review", "start", "--task-id", task["id"])
    assert started.json["status"] == "in_review"
    listed = cli("review", "list", "--reviewer", "bob", "--tenant-id", "acme", "--intent-id", "i-1")
    assert [row["id"] for row in listed.json] == [task["id"]]
    assert cli("review", "list", "--status", "pending").json == []
    missing = cli("review", "request", "--intent-id", "nope")
    assert missing.exit_code == 2
    assert missing.stderr == "error: Review request failed: intent nope not found\n"
    assert cli("review", "list", "--limit", "0").exit_code == 2
    bad = cli("review", "complete", "--task-id", task["id"], "--resolution", "fine")
    assert bad.exit_code == 2 and "invalid choice: 'fine'" in bad.stderr


def test_sweep_runs_the_escalation_table(cli, db, settings):
    settings.CONVERGE_REVIEW_POOL = "alice"
    task = ReviewTaskFactory(created_at=timezone.now() - timedelta(hours=5))
    report = cli("review", "sweep").json
    assert report["assigned"] == [{"task_id": task.id, "reviewer": "alice"}]
    assert (report["automation"], report["pool"], report["escalated"]) == (True, ["alice"], [])
