"""Celery task of the notifications package: one webhook delivery, retried on transport
failures with the configured backoff."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from celery import shared_task

from interfaces.taskpolicy import RETRY_POLICY
from notifications.delivery import DeliveryRetry, deliver, retry_countdown


@shared_task(bind=True, acks_late=True, soft_time_limit=30, time_limit=60, max_retries=None)
def notification_deliver_task(
    self: Any,
    *,
    channel: str,
    event_type: str,
    payload: dict[str, Any],
    timestamp: str,
    intent_id: str | None = None,
    tenant_id: str | None = None,
    delivery_id: str | None = None,
) -> dict[str, Any]:
    """Deliver one notification; ``deliver`` decides whether a failed attempt is retried.

    Only transport failures are retried (``CONVERGE_WEBHOOK_ATTEMPTS`` bounds the attempts);
    a rerun of a delivery already recorded as sent sends nothing.
    """
    attempt = self.request.retries + 1
    try:
        result = deliver(
            channel=channel,
            event_type=event_type,
            payload=payload,
            timestamp=timestamp,
            intent_id=intent_id,
            tenant_id=tenant_id,
            delivery_id=delivery_id,
            attempt=attempt,
        )
    except DeliveryRetry as exc:
        raise self.retry(exc=exc, countdown=retry_countdown(attempt))
    return asdict(result)


@shared_task(soft_time_limit=50, time_limit=60, **RETRY_POLICY)
def notification_redrive_task() -> dict[str, int]:
    """Queue again the notifications still pending past their due time (the beat runs it every
    minute); a delivery queued twice is sent once."""
    from notifications.dispatch import deliveries_redrive  # dispatch imports this module

    return deliveries_redrive()
