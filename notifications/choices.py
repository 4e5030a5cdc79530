"""Enumerations of the notifications package."""

from __future__ import annotations

from django.db import models


class DeliveryStatus(models.TextChoices):
    PENDING = "pending"  # not sent yet: queued, waiting for a retry, or lost by the broker
    SENT = "sent"
    FAILED = "failed"  # refused, or out of attempts
    SKIPPED = "skipped"  # no webhook configured for its channel when it was due
