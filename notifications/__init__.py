"""Outbound notifications: signed JSON webhooks per channel (flag ``notifications``).

``notify`` (``notifications.dispatch``) is what the domain services call: it never raises, logs
only in ``shadow`` mode and, in ``enforce`` mode, records the delivery in the outbox
(``Delivery``) with the caller's transaction and queues it once that has committed.
``deliver`` (``notifications.delivery``) is one attempt (``notification.sent|failed`` events);
``notification_deliver_task`` runs it on a worker and retries transport failures with backoff.
The beat's ``notification-redrive`` queues again what the outbox says is still pending.

Channels: ``default``, ``escalations`` (review escalations and SLA breaches) and ``intake``
(intake mode changes and refusals); a channel without its own URL falls back to ``default``.
"""
