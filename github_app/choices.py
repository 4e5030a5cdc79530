"""Enumerations of the GitHub integration."""

from __future__ import annotations

from django.db import models


class DeliveryStatus(models.TextChoices):
    PENDING = "pending"  # accepted; its work (fetch, intents, validation) not finished yet
    COMPLETED = "completed"  # done: a redelivery is acknowledged with no side effect
    FAILED = "failed"  # its work raised; the sweep and a redelivery try it again


class PublishStatus(models.TextChoices):
    PENDING = "pending"  # a decision waits to be shown on GitHub (or to be shown again)
    PUBLISHED = "published"
    FAILED = "failed"  # GitHub refused or was unreachable; retried by the sweep
