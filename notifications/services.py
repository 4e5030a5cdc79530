"""The outbox rows of notifications: recorded with the change, settled by the delivery."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from django.utils import timezone

from notifications.choices import DeliveryStatus
from notifications.models import Delivery

# A pending delivery is queued again this long after it was due (a message delayed behind a
# long queue is not duplicated; one lost by a crash waits no longer than this).
REDRIVE_AFTER = timedelta(minutes=5)
# Settled rows are kept this long (the event log keeps what was sent for good).
SETTLED_RETENTION = timedelta(days=1)
TASK_FIELDS = ("channel", "event_type", "payload", "timestamp", "intent_id", "tenant_id")


def delivery_record(*, fields: Mapping[str, Any]) -> Delivery:
    """The outbox row of a notification about to be queued (``fields`` as the task takes them)."""
    return Delivery.objects.create(
        id=fields["delivery_id"],
        next_attempt_at=timezone.now() + REDRIVE_AFTER,
        **{name: fields[name] for name in TASK_FIELDS},
    )


def delivery_task_fields(delivery: Delivery) -> dict[str, Any]:
    """The keyword arguments of ``notification_deliver_task`` for a recorded delivery."""
    return {
        **{name: getattr(delivery, name) for name in TASK_FIELDS},
        "delivery_id": delivery.id,
    }


def delivery_status(*, delivery_id: str) -> str | None:
    """The recorded delivery's status, or ``None`` when it has no row."""
    return Delivery.objects.filter(pk=delivery_id).values_list("status", flat=True).first()


def delivery_attempt_number(*, delivery_id: str, attempt: int) -> int:
    """The number of the attempt about to be made: a delivery queued again by the sweep goes on
    counting from what its row has recorded."""
    recorded = Delivery.objects.filter(pk=delivery_id).values_list("attempts", flat=True).first()
    return max(attempt, (recorded or 0) + 1)


def delivery_settle(*, delivery_id: str, status: str, attempts: int, error: str = "") -> bool:
    """Mark a pending delivery ``status`` (compare-and-swap: a settled one is left as it is)."""
    return bool(
        Delivery.objects.filter(pk=delivery_id, status=DeliveryStatus.PENDING).update(
            status=status, attempts=attempts, last_error=error, settled_at=timezone.now()
        )
    )


def delivery_postpone(*, delivery_id: str, attempts: int, seconds: float, error: str) -> None:
    """A failed attempt that will be retried in ``seconds``: the sweep waits past the retry."""
    Delivery.objects.filter(pk=delivery_id, status=DeliveryStatus.PENDING).update(
        attempts=attempts,
        last_error=error,
        next_attempt_at=timezone.now() + timedelta(seconds=seconds) + REDRIVE_AFTER,
    )


def deliveries_due(*, limit: int) -> list[Delivery]:
    """Pending deliveries past their due time, each claimed (its due time moved on by
    ``REDRIVE_AFTER`` with a compare-and-swap) so that one sweep alone queues it again."""
    now = timezone.now()
    claimed = []
    due = Delivery.objects.filter(status=DeliveryStatus.PENDING, next_attempt_at__lte=now)
    for delivery in due.order_by("next_attempt_at")[:limit]:
        if Delivery.objects.filter(
            pk=delivery.pk,
            status=DeliveryStatus.PENDING,
            next_attempt_at=delivery.next_attempt_at,
        ).update(next_attempt_at=now + REDRIVE_AFTER):
            claimed.append(delivery)
    return claimed


def deliveries_prune(*, limit: int) -> int:
    """Delete up to ``limit`` deliveries settled longer than ``SETTLED_RETENTION`` ago."""
    cutoff = timezone.now() - SETTLED_RETENTION
    ids = list(Delivery.objects.filter(settled_at__lt=cutoff).values_list("pk", flat=True)[:limit])
    return Delivery.objects.filter(pk__in=ids).delete()[0]
