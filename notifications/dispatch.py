"""``notify``: the one call domain services make; it never raises."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.utils import timezone

from converge_core.audit import format_timestamp
from converge_core.ids import new_id
from flags.selectors import flag_is_enabled, flag_mode
from notifications.services import (
    deliveries_due,
    deliveries_prune,
    delivery_record,
    delivery_task_fields,
)
from notifications.targets import DEFAULT_CHANNEL

logger = logging.getLogger("converge.notifications")

REDRIVE_BATCH = 200
PRUNE_BATCH = 1000


def notify(
    event_type: str,
    payload: Mapping[str, Any],
    *,
    channel: str = DEFAULT_CHANNEL,
    intent_id: str | None = None,
    tenant_id: str | None = None,
) -> None:
    """Send ``event_type`` on ``channel`` once the current transaction commits.

    Flag ``notifications`` off: nothing. Mode ``shadow``: a log line only. Mode ``enforce``:
    recorded in the outbox with the caller's transaction and queued for
    :func:`notifications.tasks.notification_deliver_task` after the commit (a broker that
    cannot take it is logged, never raised into the caller: the ``notification-redrive``
    sweep queues it again).
    """
    try:
        if not flag_is_enabled("notifications"):
            return
        fields = {
            "channel": channel,
            "event_type": event_type,
            "payload": dict(payload),
            "timestamp": format_timestamp(timezone.now()),
            "intent_id": intent_id,
            "tenant_id": tenant_id,
            "delivery_id": f"ntf-{new_id()}",
        }
        if flag_mode("notifications") != "enforce":
            logger.info("notification (shadow) %s on %s: %s", event_type, channel, fields)
            return
        with transaction.atomic():  # a savepoint: a failure here never breaks the caller's
            delivery_record(fields=fields)
        # imported here: loading the task module loads Celery, which a caller that sends
        # nothing (the flag off, or shadow) does not pay for
        from notifications.tasks import notification_deliver_task

        transaction.on_commit(lambda: notification_deliver_task.delay(**fields), robust=True)
    except Exception:
        logger.exception("notification %s was not scheduled", event_type)


def deliveries_redrive(*, limit: int = REDRIVE_BATCH) -> dict[str, int]:
    """Queue again the deliveries still pending after their due time (their message was lost
    by a crash, or the broker refused it), and delete rows settled a day ago."""
    from notifications.tasks import notification_deliver_task

    due = deliveries_due(limit=limit)
    for delivery in due:
        notification_deliver_task.delay(**delivery_task_fields(delivery))
    if due:
        logger.warning("%d pending notification(s) queued again", len(due))
    return {"requeued": len(due), "pruned": deliveries_prune(limit=PRUNE_BATCH)}
