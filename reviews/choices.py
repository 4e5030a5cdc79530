"""Enumerations of the reviews domain (the values of converge_core.reviews)."""

from __future__ import annotations

from django.db import models


class ReviewStatus(models.TextChoices):
    PENDING = "pending"
    ASSIGNED = "assigned"
    IN_REVIEW = "in_review"
    ESCALATED = "escalated"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class ReviewTrigger(models.TextChoices):
    POLICY = "policy"
    CONFLICT = "conflict"
    MANUAL = "manual"
    COHERENCE = "coherence"


class ReviewResolution(models.TextChoices):
    APPROVED = "approved"
    REJECTED = "rejected"
    DEFERRED = "deferred"
