"""Delivering one notification, one attempt at a time, recorded as an event.

``notification_deliver_task`` (``notifications.tasks``) makes the attempts on a worker: a
transport failure before the last attempt is retried after ``CONVERGE_WEBHOOK_BACKOFF``
instead of sleeping in the worker.
"""

from __future__ import annotations

import json
import logging
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from ledger.append import event_append
from ledger.selectors import event_exists
from notifications.choices import DeliveryStatus
from notifications.services import (
    delivery_attempt_number,
    delivery_postpone,
    delivery_settle,
    delivery_status,
)
from notifications.signing import redact_url, signature_headers
from notifications.targets import target_url

logger = logging.getLogger("converge.notifications")

# How far back a delivery id is looked for before sending it (a redelivered task is retried
# within minutes; a day leaves ample margin and keeps the lookup on a small index range).
DELIVERED_LOOKBACK = timedelta(days=1)


@dataclass(frozen=True)
class DeliveryResult:
    delivered: bool
    status_code: int | None
    attempts: int
    error: str | None = None


class DeliveryRetry(Exception):
    """A transport failure (no answer, 429 or 5xx) that a later attempt may get past."""


def retry_countdown(attempt: int) -> float:
    """Seconds to wait after failed attempt ``attempt`` (the last backoff value repeats)."""
    backoff = settings.CONVERGE_WEBHOOK_BACKOFF
    return backoff[min(attempt - 1, len(backoff) - 1)] if backoff else 0.0


def _post(url: str, body: bytes, headers: Mapping[str, str]) -> tuple[int | None, str | None]:
    request = urllib.request.Request(url, data=body, method="POST", headers=dict(headers))
    try:
        with urllib.request.urlopen(request, timeout=settings.CONVERGE_WEBHOOK_TIMEOUT) as response:
            return response.status, None
    except urllib.error.HTTPError as exc:
        return exc.code, f"HTTP {exc.code}"
    except (urllib.error.URLError, OSError) as exc:
        return None, str(getattr(exc, "reason", exc))


def _is_transport_failure(status: int | None) -> bool:
    return status is None or status == 429 or status >= 500


def _already_delivered(delivery_id: str) -> bool:
    return event_exists(
        event_type="notification.sent",
        since=timezone.now() - DELIVERED_LOOKBACK,
        payload={"delivery_id": delivery_id},
    )


def deliver(
    *,
    channel: str,
    event_type: str,
    payload: Mapping[str, Any],
    timestamp: str,
    intent_id: str | None = None,
    tenant_id: str | None = None,
    delivery_id: str | None = None,
    attempt: int = 1,
) -> DeliveryResult:
    """Attempt ``attempt`` (of ``CONVERGE_WEBHOOK_ATTEMPTS``) to POST ``{event_type, payload,
    timestamp}`` to the channel's URL.

    An answer below 400 records ``notification.sent``. A transport failure before the last
    attempt raises :class:`DeliveryRetry` and records no event; any other failure (a 4xx answer,
    or the last attempt) records ``notification.failed``. URLs are recorded redacted. Without a
    URL nothing is sent or recorded, and a ``delivery_id`` already sent is not sent again (it
    travels as ``X-Converge-Delivery`` so receivers can drop duplicates too).

    A delivery with an outbox row (``notify`` writes one) is settled on it with the event,
    counts its attempts from the row, and is not attempted again once settled.
    """
    if delivery_id:
        row_status = delivery_status(delivery_id=delivery_id)
        if row_status == DeliveryStatus.SENT or _already_delivered(delivery_id):
            return DeliveryResult(True, None, 0, "already delivered")
        if row_status is not None and row_status != DeliveryStatus.PENDING:
            return DeliveryResult(False, None, 0, f"already {row_status}")
        attempt = delivery_attempt_number(delivery_id=delivery_id, attempt=attempt)
    url = target_url(channel)
    if url is None:
        if delivery_id:
            delivery_settle(delivery_id=delivery_id, status=DeliveryStatus.SKIPPED, attempts=0)
        return DeliveryResult(False, None, 0, "no webhook configured")
    body = json.dumps(
        {"event_type": event_type, "payload": dict(payload), "timestamp": timestamp},
        sort_keys=True,
        default=str,
    ).encode()
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "Converge-Notifications",
        **signature_headers(
            body, secret=settings.CONVERGE_WEBHOOK_SECRET, timestamp=int(time.time())
        ),
    }
    if delivery_id:
        headers["X-Converge-Delivery"] = delivery_id
    status, error = _post(url, body, headers)
    recorded: dict[str, Any] = {
        "channel": channel,
        "event_type": event_type,
        "url": redact_url(url),
        "status_code": status,
    }
    if delivery_id:
        recorded["delivery_id"] = delivery_id
    if status is not None and status < 400:
        with transaction.atomic():
            event_append(
                event_type="notification.sent",
                intent_id=intent_id,
                tenant_id=tenant_id,
                payload={**recorded, "attempts": attempt},
            )
            if delivery_id:
                delivery_settle(
                    delivery_id=delivery_id, status=DeliveryStatus.SENT, attempts=attempt
                )
        return DeliveryResult(True, status, attempt)
    logger.warning("notification %s to %s failed: %s", event_type, redact_url(url), error)
    if _is_transport_failure(status) and attempt < settings.CONVERGE_WEBHOOK_ATTEMPTS:
        if delivery_id:
            delivery_postpone(
                delivery_id=delivery_id,
                attempts=attempt,
                seconds=retry_countdown(attempt),
                error=error or "",
            )
        raise DeliveryRetry(error)
    with transaction.atomic():
        event_append(
            event_type="notification.failed",
            intent_id=intent_id,
            tenant_id=tenant_id,
            payload={**recorded, "error": error, "attempts": attempt},
        )
        if delivery_id:
            delivery_settle(
                delivery_id=delivery_id,
                status=DeliveryStatus.FAILED,
                attempts=attempt,
                error=error or "",
            )
    return DeliveryResult(False, status, attempt, error)
