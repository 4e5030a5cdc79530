"""The outbox of notifications: one row per notification to send."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone

from notifications.choices import DeliveryStatus


class Delivery(models.Model):
    """A notification, written in the transaction of the change it announces.

    The broker only carries a reminder to send it: a delivery still ``pending`` after
    ``next_attempt_at`` (its message was lost by a crash, or never queued) is queued again by
    the beat's ``notification-redrive`` sweep. Settled rows are deleted a day later; what was
    sent stays in the event log (``notification.sent|failed``).
    """

    id = models.CharField(max_length=40, primary_key=True)  # the delivery id, X-Converge-Delivery
    channel = models.CharField(max_length=200)
    event_type = models.CharField(max_length=100)
    payload = models.JSONField(default=dict)
    timestamp = models.CharField(max_length=40)  # as sent: ISO-8601 text
    intent_id = models.CharField(max_length=200, null=True, blank=True)
    tenant_id = models.CharField(max_length=200, null=True, blank=True)
    status = models.CharField(
        max_length=16, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)
    next_attempt_at = models.DateTimeField()
    settled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at"]
        indexes = [
            # the re-drive sweep: pending deliveries that are due
            models.Index(fields=["status", "next_attempt_at"], name="delivery_due_idx"),
            # the sweep's clean-up: settled deliveries by age
            models.Index(fields=["settled_at"], name="delivery_settled_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=DeliveryStatus.values), name="delivery_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.id} {self.event_type} on {self.channel} ({self.status})"
