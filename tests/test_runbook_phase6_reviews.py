"""Runbook phase 6: check the backlog, assign, complete, cancel, escalate, check the SLA."""

from datetime import timedelta

import pytest
from django.utils import timezone

from ledger.models import Event
from reviews.models import ReviewTask
from reviews.tests.factories import ReviewTaskFactory
from tests.runbook import runbook_env, runbook_line


@pytest.fixture(autouse=True)
def deployment(monkeypatch, tmp_path):
    runbook_env(monkeypatch, tmp_path)


def test_check_the_review_backlog(cli, db):
    first = ReviewTaskFactory(priority=2)
    ReviewTaskFactory(status="assigned", reviewer="bob")
    listed = runbook_line(cli, "converge --db $CONVERGE_DB_PATH review list --status pending")
    assert listed.exit_code == 0
    assert [task["id"] for task in listed.json] == [first.id]
    summary = runbook_line(cli, "converge --db $CONVERGE_DB_PATH review summary").json
    assert (summary["total"], summary["by_status"]) == (2, {"assigned": 1, "pending": 1})
    assert (summary["by_reviewer"], summary["sla_breached"]) == ({"bob": 1}, 0)


def test_assign_complete_cancel_escalate(cli, db):
    one, two, three = ReviewTaskFactory(), ReviewTaskFactory(), ReviewTaskFactory()
    line = "converge --db $CONVERGE_DB_PATH review assign --task-id <id> --reviewer <agent>"
    assigned = runbook_line(cli, line, id=one.id, agent="agent-7")
    assert (assigned.json["status"], assigned.json["reviewer"]) == ("assigned", "agent-7")

    line = "converge --db $CONVERGE_DB_PATH review complete --task-id <id> --resolution approved"
    completed = runbook_line(cli, line, id=one.id).json
    assert (completed["status"], completed["resolution"]) == ("completed", "approved")

    cancelled = runbook_line(
        cli, "converge --db $CONVERGE_DB_PATH review cancel --task-id <id>", id=two.id
    ).json
    assert cancelled["status"] == "cancelled"

    escalated = runbook_line(
        cli, "converge --db $CONVERGE_DB_PATH review escalate --task-id <id>", id=three.id
    ).json
    assert (escalated["status"], escalated["escalation_level"]) == ("escalated", 1)
    assert Event.objects.get(event_type="review.escalated").payload["reason"] == (
        "manual_escalation"
    )


def test_unknown_tasks_and_illegal_moves_exit_2_with_one_line(cli, db):
    unknown = runbook_line(
        cli,
        "converge --db $CONVERGE_DB_PATH review assign --task-id <id> --reviewer <agent>",
        id="rev-000000000000",
        agent="a",
    )
    assert unknown.exit_code == 2
    assert unknown.stderr == "error: Review task rev-000000000000 not found\n"
    done = ReviewTaskFactory(status="completed", resolution="approved")
    again = runbook_line(
        cli,
        "converge --db $CONVERGE_DB_PATH review complete --task-id <id> --resolution approved",
        id=done.id,
    )
    assert again.exit_code == 2
    assert again.stderr == "error: Cannot complete a review that is completed\n"
    assert again.json["error"]["code"] == "illegal_transition"
    assert ReviewTask.objects.get(pk=done.id).completed_at is None


def test_check_sla_compliance(cli, db):
    late = ReviewTaskFactory(risk_level="critical", created_at=timezone.now() - timedelta(hours=9))
    ReviewTaskFactory()
    result = runbook_line(cli, "converge --db $CONVERGE_DB_PATH review sla-check")
    assert result.exit_code == 0
    assert (result.json["count"], result.json["breaches"][0]["task_id"]) == (1, late.id)
