"""Webhook deliveries: recorded once by the webhook, processed by the worker.

The webhook only checks the signature and the payload, inserts the delivery row (unique by
``X-GitHub-Delivery``) with ``webhook.received`` in one transaction, and queues its processing
after commit. The worker fetches what moved into the mirror, then applies the event's intent
changes and marks the delivery ``completed`` in one transaction: a redelivery of a completed
delivery changes nothing, while one whose work was lost (a crash, a lost message) is processed
again by the redelivery or by the ``github-sweep``.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from converge_core.github import PayloadInvalid, installation_id_of
from github_app.choices import DeliveryStatus
from github_app.events import HANDLERS, validate_payload
from github_app.models import WebhookDelivery
from github_app.tenancy import tenant_for
from ledger.append import event_append

logger = logging.getLogger(__name__)

LOST_AFTER = timedelta(minutes=2)  # a pending delivery older than this lost its task
RETENTION = timedelta(days=90)  # completed deliveries are kept this long (interfaces §5.1)
MAX_ATTEMPTS = 10


@dataclass(frozen=True)
class Accepted:
    delivery_id: str
    duplicate: bool
    requeued: bool = False


def delivery_accept(*, delivery_id: str | None, event: str, payload: Mapping[str, Any]) -> Accepted:
    """Record a verified delivery (``webhook.received``) and queue its processing; a delivery
    seen before is a duplicate (queued again only if its work is not completed)."""
    validate_payload(event, payload)
    action = str(payload.get("action") or "")
    delivery_id = delivery_id or f"unidentified-{uuid.uuid4()}"  # no header: no dedup
    installation_id = installation_id_of(payload)
    try:
        with transaction.atomic():
            WebhookDelivery.objects.create(
                delivery_id=delivery_id,
                event=event,
                action=action,
                installation_id=installation_id,
                payload=dict(payload),
            )
            event_append(
                event_type="webhook.received",
                tenant_id=tenant_for(installation_id),
                payload={"github_event": event, "delivery_id": delivery_id, "action": action},
                evidence={"delivery_id": delivery_id},
            )
            transaction.on_commit(partial(_enqueue, delivery_id))
    except IntegrityError:
        existing = WebhookDelivery.objects.filter(delivery_id=delivery_id).first()
        if existing is None:  # pragma: no cover - the unique row is the only constraint here
            raise
        if existing.status == DeliveryStatus.COMPLETED:
            return Accepted(delivery_id, duplicate=True)
        _enqueue(delivery_id)
        return Accepted(delivery_id, duplicate=True, requeued=True)
    return Accepted(delivery_id, duplicate=False)


def _enqueue(delivery_id: str) -> None:
    from github_app.tasks import delivery_process_task  # tasks import this module

    delivery_process_task.delay(delivery_id)


def delivery_process(delivery_id: str) -> dict[str, Any]:
    """Do a delivery's work once; a failure is kept on the row for the sweep to retry."""
    delivery = WebhookDelivery.objects.filter(delivery_id=delivery_id).first()
    if delivery is None or delivery.status == DeliveryStatus.COMPLETED:
        return {"delivery_id": delivery_id, "status": "nothing to do"}
    WebhookDelivery.objects.filter(pk=delivery.pk).update(attempts=F("attempts") + 1)
    handler = HANDLERS.get(delivery.event)
    try:
        prepared = handler.prepare(delivery.payload) if handler is not None else None
        with transaction.atomic():
            locked = WebhookDelivery.objects.select_for_update().get(pk=delivery.pk)
            if locked.status == DeliveryStatus.COMPLETED:
                return {"delivery_id": delivery_id, "status": "nothing to do"}
            result = (
                handler.apply(delivery.payload, prepared)
                if handler is not None
                else {"action": "acknowledged"}
            )
            WebhookDelivery.objects.filter(pk=delivery.pk).update(
                status=DeliveryStatus.COMPLETED,
                result=result,
                last_error="",
                completed_at=timezone.now(),
            )
    except Exception as exc:  # recorded on the row: the worker goes on, the sweep retries
        logger.exception("GitHub delivery %s (%s) failed", delivery_id, delivery.event)
        WebhookDelivery.objects.filter(pk=delivery.pk).update(
            status=DeliveryStatus.FAILED, last_error=f"{type(exc).__name__}: {exc}"[:2000]
        )
        return {"delivery_id": delivery_id, "status": "failed", "error": str(exc)}
    return {"delivery_id": delivery_id, "status": "completed", **result}


def deliveries_due(limit: int = 50) -> list[str]:
    """Deliveries not completed whose task was lost or failed, with attempts left."""
    cutoff = timezone.now() - LOST_AFTER
    rows = WebhookDelivery.objects.filter(
        status__in=(DeliveryStatus.PENDING, DeliveryStatus.FAILED),
        received_at__lte=cutoff,
        attempts__lt=MAX_ATTEMPTS,
    ).order_by("received_at")
    return list(rows.values_list("delivery_id", flat=True)[:limit])


def deliveries_prune() -> int:
    """Forget completed deliveries past the retention (their ``webhook.received`` stays)."""
    cutoff = timezone.now() - RETENTION
    done = WebhookDelivery.objects.filter(status=DeliveryStatus.COMPLETED, received_at__lt=cutoff)
    deleted, _ = done.delete()
    return deleted


__all__ = [
    "Accepted",
    "PayloadInvalid",
    "deliveries_due",
    "deliveries_prune",
    "delivery_accept",
    "delivery_process",
]
