"""notify follows the notifications flag: off nothing, shadow a log line, enforce delivers
after commit; it never raises."""

import logging

import pytest

from ledger.models import Event
from notifications.dispatch import notify
from notifications.tests.server import recording_server


@pytest.fixture(autouse=True)
def quick(settings, tmp_path):
    settings.CONVERGE_WEBHOOK_BACKOFF = (0.0,)
    settings.CONVERGE_HOME = tmp_path


def test_off_by_default(db, settings, django_capture_on_commit_callbacks):
    with recording_server() as server:
        settings.CONVERGE_WEBHOOK_URL = server.url
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            notify("review.requested", {"task_id": "rev-1"})
    assert callbacks == [] and server.received == []


def test_shadow_mode_only_logs(
    db, settings, monkeypatch, caplog, django_capture_on_commit_callbacks
):
    monkeypatch.setenv("CONVERGE_FF_NOTIFICATIONS", "1")
    with recording_server() as server:
        settings.CONVERGE_WEBHOOK_URL = server.url
        with (
            caplog.at_level(logging.INFO, logger="converge.notifications"),
            django_capture_on_commit_callbacks(execute=True) as callbacks,
        ):
            notify("review.requested", {"task_id": "rev-1"})
    assert callbacks == [] and server.received == []
    assert "notification (shadow) review.requested on default" in caplog.text
    assert not Event.objects.filter(event_type__startswith="notification.").exists()


def test_enforce_delivers_once_committed(
    db, settings, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setenv("CONVERGE_FF_NOTIFICATIONS", "1")
    monkeypatch.setenv("CONVERGE_FF_NOTIFICATIONS_MODE", "enforce")
    with recording_server() as server:
        settings.CONVERGE_WEBHOOK_URL = server.url
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            notify(
                "review.escalated",
                {"task_id": "rev-1", "reason": "stuck"},
                channel="escalations",
                intent_id="i-1",
            )
        assert server.received == []  # nothing leaves before the commit
        for callback in callbacks:
            callback()
    assert [r.json["event_type"] for r in server.received] == ["review.escalated"]
    assert server.received[0].json["payload"] == {"task_id": "rev-1", "reason": "stuck"}
    sent = Event.objects.get(event_type="notification.sent")
    assert sent.payload["channel"] == "escalations" and sent.intent_id == "i-1"


def test_a_broken_target_file_never_raises(
    db, settings, monkeypatch, tmp_path, django_capture_on_commit_callbacks
):
    monkeypatch.setenv("CONVERGE_FF_NOTIFICATIONS", "1")
    monkeypatch.setenv("CONVERGE_FF_NOTIFICATIONS_MODE", "enforce")
    settings.CONVERGE_WEBHOOK_URL = ""
    (tmp_path / "notifications.json").write_text("{broken")
    with django_capture_on_commit_callbacks(execute=True):
        notify("review.requested", {})
    assert not Event.objects.filter(event_type__startswith="notification.").exists()
