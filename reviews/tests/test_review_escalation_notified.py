"""An escalated review is sent on the ``escalations`` channel once its transaction commits."""

import pytest

from ledger.models import Event
from notifications.tests.server import recording_server
from reviews.services import review_escalate
from reviews.tests.factories import ReviewTaskFactory


@pytest.fixture(autouse=True)
def quick(settings, tmp_path):
    settings.CONVERGE_WEBHOOK_BACKOFF = (0.0,)
    settings.CONVERGE_HOME = tmp_path


def test_an_escalation_is_delivered_once_committed(
    db, settings, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setenv("CONVERGE_FF_NOTIFICATIONS", "1")
    monkeypatch.setenv("CONVERGE_FF_NOTIFICATIONS_MODE", "enforce")
    task = ReviewTaskFactory(status="assigned", reviewer="alice")
    with recording_server() as server:
        settings.CONVERGE_WEBHOOK_URL = server.url
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            review_escalate(task_id=task.id, reason="stuck", actor="ops")
        assert server.received == []  # nothing leaves before the commit
        for callback in callbacks:
            callback()
    assert [r.json["event_type"] for r in server.received] == ["review.escalated"]
    assert server.received[0].json["payload"] == {
        "task_id": task.id,
        "reviewer": "alice",
        "reason": "stuck",
    }
    sent = Event.objects.get(event_type="notification.sent")
    assert sent.payload["channel"] == "escalations" and sent.intent_id == task.intent_id
