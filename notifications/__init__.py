"""Outbound notifications: signed JSON webhooks per channel (flag ``notifications``).

``notify`` is what the domain services call: it never raises, logs only in ``shadow`` mode and,
in ``enforce`` mode, queues the delivery once the caller's transaction has committed.
``deliver`` is one attempt (``notification.sent|failed`` events); ``notification_deliver_task``
runs it on a worker and retries transport failures with backoff.

Channels: ``default``, ``escalations`` (review escalations and SLA breaches) and ``intake``
(intake mode changes and refusals); a channel without its own URL falls back to ``default``.
"""

from notifications.delivery import DeliveryResult, deliver
from notifications.dispatch import notify

__all__ = ["DeliveryResult", "deliver", "notify"]
