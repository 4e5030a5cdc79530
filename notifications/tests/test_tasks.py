"""The delivery task: transport failures are retried with the backoff up to the attempts
setting; anything else is final; a rerun of a sent delivery sends nothing."""

import pytest

from ledger.models import Event
from notifications.tasks import notification_deliver_task
from notifications.tests.server import recording_server

FIELDS = {"channel": "default", "event_type": "e.x", "payload": {"k": 1}, "timestamp": "t"}


@pytest.fixture(autouse=True)
def quick(settings, tmp_path):
    settings.CONVERGE_WEBHOOK_BACKOFF = (0.0,)
    settings.CONVERGE_HOME = tmp_path
    # Eager tasks propagate their errors in tests; a retry must re-run inline instead.
    settings.CELERY_TASK_EAGER_PROPAGATES = False


def _recorded():
    return list(
        Event.objects.filter(event_type__startswith="notification.")
        .order_by("seq")
        .values_list("event_type", "payload")
    )


def test_a_transport_failure_is_retried_then_delivered(db, settings):
    with recording_server(statuses=[503, 200]) as server:
        settings.CONVERGE_WEBHOOK_URL = server.url
        result = notification_deliver_task.delay(**FIELDS, delivery_id="ntf-1").get()
    assert (result["delivered"], result["attempts"]) == (True, 2)
    assert len(server.received) == 2
    assert [(kind, payload["attempts"]) for kind, payload in _recorded()] == [
        ("notification.sent", 2)
    ]


def test_attempts_are_bounded_by_the_setting(db, settings):
    settings.CONVERGE_WEBHOOK_URL = "http://127.0.0.1:9/never"
    settings.CONVERGE_WEBHOOK_ATTEMPTS = 3
    result = notification_deliver_task.delay(**FIELDS).get()
    assert (result["delivered"], result["attempts"]) == (False, 3)
    assert [kind for kind, _ in _recorded()] == ["notification.failed"]


def test_a_refusal_is_not_retried(db, settings):
    with recording_server(statuses=[400, 200]) as server:
        settings.CONVERGE_WEBHOOK_URL = server.url
        result = notification_deliver_task.delay(**FIELDS).get()
    assert (result["delivered"], result["status_code"]) == (False, 400)
    assert len(server.received) == 1


def test_the_retry_waits_the_backoff(db, settings, monkeypatch):
    settings.CONVERGE_WEBHOOK_BACKOFF = (1.0, 5.0)
    settings.CONVERGE_WEBHOOK_URL = "http://127.0.0.1:9/never"
    countdowns = []
    retry = notification_deliver_task.retry

    def recording_retry(**kwargs):
        countdowns.append(kwargs["countdown"])
        return retry(**kwargs)

    monkeypatch.setattr(notification_deliver_task, "retry", recording_retry)
    notification_deliver_task.delay(**FIELDS).get()
    assert countdowns == [1.0]


def test_a_rerun_of_a_sent_delivery_sends_nothing(db, settings):
    with recording_server() as server:
        settings.CONVERGE_WEBHOOK_URL = server.url
        notification_deliver_task.delay(**FIELDS, delivery_id="ntf-1").get()
        notification_deliver_task.delay(**FIELDS, delivery_id="ntf-1").get()
    assert len(server.received) == 1 and len(_recorded()) == 1
