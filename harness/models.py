"""Suggested coherence questions, mined from failure history (operations §6.6)."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone


class SuggestionStatus(models.TextChoices):
    PENDING = "pending"
    ACCEPTED = "accepted"


class CoherenceSuggestion(models.Model):
    """One suggested question. Its id derives from the question's id, so running
    ``coherence suggest`` again updates the same suggestion instead of minting a new one."""

    id = models.CharField(max_length=20, primary_key=True)  # sug-<12 hex>
    type = models.CharField(max_length=40)
    question = models.JSONField()
    counts = models.JSONField(default=dict)
    status = models.CharField(
        max_length=16, choices=SuggestionStatus.choices, default=SuggestionStatus.PENDING
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.CharField(max_length=200, blank=True, default="")

    class Meta:
        ordering = ["-updated_at", "id"]
        permissions = [("accept_suggestion", "Can accept coherence suggestions")]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=SuggestionStatus.values), name="suggestion_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.id} ({self.question.get('id')})"
