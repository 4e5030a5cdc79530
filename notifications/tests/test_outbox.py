"""The outbox: a notification is a row written with the change it announces; a delivery whose
message the broker lost is queued again by the re-drive sweep and sent once."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from ledger.append import event_append
from ledger.models import Event
from notifications.delivery import DeliveryRetry, deliver
from notifications.dispatch import deliveries_redrive, notify
from notifications.models import Delivery
from notifications.services import REDRIVE_AFTER, delivery_task_fields
from notifications.tasks import notification_deliver_task, notification_redrive_task
from notifications.tests.server import recording_server


@pytest.fixture(autouse=True)
def enforce(settings, tmp_path, monkeypatch):
    settings.CONVERGE_WEBHOOK_BACKOFF = (0.0,)
    settings.CONVERGE_HOME = tmp_path
    # Eager tasks propagate their errors in tests; a retry must re-run inline instead.
    settings.CELERY_TASK_EAGER_PROPAGATES = False
    monkeypatch.setenv("CONVERGE_FF_NOTIFICATIONS", "1")
    monkeypatch.setenv("CONVERGE_FF_NOTIFICATIONS_MODE", "enforce")


def lost_notification(django_capture_on_commit_callbacks, event_type="review.requested"):
    """A notification recorded and committed whose message never reached a worker."""
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        notify(event_type, {"task_id": "rev-1"}, intent_id="i-1")
    assert len(callbacks) == 1  # the message that is lost
    return Delivery.objects.get()


def make_due(delivery):
    Delivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())


def sent_events():
    return list(
        Event.objects.filter(event_type="notification.sent").values_list("payload", flat=True)
    )


def test_notify_records_a_pending_delivery_due_after_the_redrive_delay(
    db, django_capture_on_commit_callbacks
):
    before = timezone.now()
    delivery = lost_notification(django_capture_on_commit_callbacks)

    assert (delivery.status, delivery.attempts, delivery.event_type) == (
        "pending",
        0,
        "review.requested",
    )
    assert delivery.id.startswith("ntf-") and delivery.payload == {"task_id": "rev-1"}
    assert before + REDRIVE_AFTER <= delivery.next_attempt_at <= timezone.now() + REDRIVE_AFTER


def test_a_rolled_back_change_leaves_no_delivery_and_queues_nothing(
    db, django_capture_on_commit_callbacks
):
    with (
        django_capture_on_commit_callbacks(execute=False) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        notify("review.requested", {"task_id": "rev-1"})
        raise RuntimeError("the change failed")
    assert callbacks == [] and Delivery.objects.count() == 0


def test_a_notification_that_cannot_be_recorded_never_breaks_the_callers_transaction(
    db, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks, transaction.atomic():
        notify("review.requested", {"unstorable": {1, 2}})  # a set is not JSON
        event_append(event_type="worker.started", payload={"pid": 1})  # the caller goes on
    assert callbacks == [] and Delivery.objects.count() == 0
    assert Event.objects.filter(event_type="worker.started").count() == 1


def test_a_lost_delivery_is_sent_once_by_the_redrive(
    db, settings, django_capture_on_commit_callbacks
):
    delivery = lost_notification(django_capture_on_commit_callbacks)
    with recording_server() as server:
        settings.CONVERGE_WEBHOOK_URL = server.url
        assert notification_redrive_task.delay().get() == {"requeued": 0, "pruned": 0}  # not due
        make_due(delivery)

        assert notification_redrive_task.delay().get() == {"requeued": 1, "pruned": 0}
        assert notification_redrive_task.delay().get() == {"requeued": 0, "pruned": 0}
        # The original message turns up after all: nothing is sent twice.
        late = notification_deliver_task.delay(**delivery_task_fields(delivery)).get()

    assert [r.headers["x-converge-delivery"] for r in server.received] == [delivery.id]
    assert late == {
        "delivered": True,
        "status_code": None,
        "attempts": 0,
        "error": "already delivered",
    }
    assert [payload["delivery_id"] for payload in sent_events()] == [delivery.id]
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("sent", 1)


def test_a_retry_postpones_the_redrive_and_attempts_go_on_counting_from_the_row(
    db, settings, django_capture_on_commit_callbacks
):
    settings.CONVERGE_WEBHOOK_ATTEMPTS = 3
    settings.CONVERGE_WEBHOOK_BACKOFF = (30.0,)
    delivery = lost_notification(django_capture_on_commit_callbacks)
    with recording_server(statuses=[503]) as server:
        settings.CONVERGE_WEBHOOK_URL = server.url
        with pytest.raises(DeliveryRetry, match="HTTP 503"):
            # the first attempt, as the worker makes it; its retry message is lost too
            deliver(**delivery_task_fields(delivery))
        delivery.refresh_from_db()
        assert (delivery.status, delivery.attempts, delivery.last_error) == (
            "pending",
            1,
            "HTTP 503",
        )
        assert delivery.next_attempt_at >= timezone.now() + REDRIVE_AFTER + timedelta(seconds=29)
        assert deliveries_redrive()["requeued"] == 0

        make_due(delivery)
        deliveries_redrive()  # attempts 2 and 3 (the last), both refused with 503

    assert len(server.received) == 3
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("failed", 3)
    failed = Event.objects.get(event_type="notification.failed")
    assert failed.payload["attempts"] == 3


def test_a_delivery_without_a_webhook_is_skipped_and_never_redriven(
    db, settings, django_capture_on_commit_callbacks
):
    settings.CONVERGE_WEBHOOK_URL = ""
    delivery = lost_notification(django_capture_on_commit_callbacks)
    make_due(delivery)
    assert deliveries_redrive()["requeued"] == 1
    delivery.refresh_from_db()
    assert delivery.status == "skipped"
    make_due(delivery)
    assert deliveries_redrive()["requeued"] == 0


def test_settled_deliveries_are_pruned_after_a_day(
    db, settings, django_capture_on_commit_callbacks
):
    settings.CONVERGE_WEBHOOK_URL = ""
    first = lost_notification(django_capture_on_commit_callbacks)
    Delivery.objects.filter(pk=first.pk).update(
        status="sent", settled_at=timezone.now() - timedelta(days=1, minutes=1)
    )
    Delivery.objects.create(
        id="ntf-recent",
        channel="default",
        event_type="e.x",
        timestamp="t",
        status="failed",
        settled_at=timezone.now() - timedelta(hours=23),
        next_attempt_at=timezone.now(),
    )
    Delivery.objects.create(
        id="ntf-old-pending",
        channel="default",
        event_type="e.x",
        timestamp="t",
        created_at=timezone.now() - timedelta(days=3),
        next_attempt_at=timezone.now() + timedelta(hours=1),
    )

    assert deliveries_redrive() == {"requeued": 0, "pruned": 1}
    assert sorted(Delivery.objects.values_list("id", flat=True)) == [
        "ntf-old-pending",
        "ntf-recent",
    ]
