"""Intake refusals and mode changes go to the ``intake`` channel; intent decisions are
notified after commit."""

import pytest

from converge_core.hooks import Decision
from intake.services import intake_mode_set
from intents.errors import IntakeRejected
from intents.tests.factories import create_intent
from notifications.hooks import notify_decision
from notifications.tests.server import recording_server


@pytest.fixture
def enforce(monkeypatch, settings, tmp_path):
    monkeypatch.setenv("CONVERGE_FF_NOTIFICATIONS", "1")
    monkeypatch.setenv("CONVERGE_FF_NOTIFICATIONS_MODE", "enforce")
    settings.CONVERGE_HOME = tmp_path
    settings.CONVERGE_WEBHOOK_BACKOFF = (0.0,)


def test_a_refusal_and_mode_changes_are_sent(
    repository, enforce, settings, tmp_path, django_capture_on_commit_callbacks
):
    with recording_server() as intake_hook, recording_server() as default_hook:
        (tmp_path / "notifications.json").write_text(
            f'{{"webhooks": {{"intake": "{intake_hook.url}", "default": "{default_hook.url}"}}}}'
        )
        with django_capture_on_commit_callbacks(execute=True):
            intake_mode_set(mode="pause", reason="incident", actor="ops")
        with django_capture_on_commit_callbacks(execute=True), pytest.raises(IntakeRejected):
            create_intent(repository, "m-1")
        with django_capture_on_commit_callbacks(execute=True):
            notify_decision(Decision("x-1", "merged", "acme", "trace-1"))
            notify_decision(Decision("x-1", "review_pending", "acme", "trace-2"))
    assert [r.json["event_type"] for r in intake_hook.received] == [
        "intake.mode_changed",
        "intake.rejected",
    ]
    assert intake_hook.received[1].json["payload"]["intent_id"] == "m-1"
    assert [r.json for r in default_hook.received] == [
        {
            "event_type": "intent.merged",
            "payload": {"intent_id": "x-1", "decision": "merged", "trace_id": "trace-1"},
            "timestamp": default_hook.received[0].json["timestamp"],
        }
    ]
