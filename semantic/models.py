"""The semantic index (one vector per intent and model) and the conflicts found with it."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone

from semantic.choices import ConflictMode, ConflictStatus


class Embedding(models.Model):
    """The vector of an intent's text under one model, as little-endian float32 bytes.

    ``checksum`` is the checksum of the intent's canonical text when it was embedded: a
    different current checksum means the vector is stale.
    """

    intent = models.ForeignKey(
        "intents.Intent", on_delete=models.CASCADE, related_name="embeddings"
    )
    tenant_id = models.CharField(max_length=200, null=True, blank=True)
    provider = models.CharField(max_length=64)
    model = models.CharField(max_length=200)
    dimension = models.PositiveIntegerField()
    vector = models.BinaryField()
    checksum = models.CharField(max_length=64)
    generated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["intent_id", "model"]
        constraints = [
            models.UniqueConstraint(fields=["intent", "model"], name="embedding_intent_model")
        ]
        indexes = [
            # status and the scan: the vectors of one model in a tenant
            models.Index(fields=["model", "tenant_id"], name="embedding_model_tenant_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.intent_id} @ {self.model}"


class SemanticConflict(models.Model):
    """Two in-flight intents of a repository that look like the same change (``intent_a`` <
    ``intent_b``): one row per pair; a resolved or acknowledged pair stays closed."""

    tenant_id = models.CharField(max_length=200, null=True, blank=True)
    intent_a = models.ForeignKey(
        "intents.Intent", on_delete=models.CASCADE, related_name="semantic_conflicts_a"
    )
    intent_b = models.ForeignKey(
        "intents.Intent", on_delete=models.CASCADE, related_name="semantic_conflicts_b"
    )
    held_intent = models.ForeignKey(
        "intents.Intent",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="the younger intent, held through a review in enforce mode",
    )
    review = models.ForeignKey(
        "reviews.ReviewTask", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    model = models.CharField(max_length=200)
    score = models.FloatField()
    similarity = models.FloatField()
    target_overlap = models.FloatField()
    scope_overlap = models.FloatField()
    target = models.CharField(max_length=255)
    mode = models.CharField(max_length=16, choices=ConflictMode.choices)
    status = models.CharField(
        max_length=16, choices=ConflictStatus.choices, default=ConflictStatus.OPEN
    )
    resolution = models.TextField(blank=True, default="")
    resolved_by = models.CharField(max_length=200, blank=True, default="")
    detected_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-detected_at", "intent_a_id", "intent_b_id"]
        permissions = [("resolve_conflict", "Can resolve and acknowledge semantic conflicts")]
        constraints = [
            models.UniqueConstraint(
                fields=["intent_a", "intent_b"], name="semanticconflict_unique_pair"
            ),
            models.CheckConstraint(
                condition=Q(intent_a__lt=models.F("intent_b")), name="semanticconflict_ordered"
            ),
            models.CheckConstraint(
                condition=Q(status__in=ConflictStatus.values), name="semanticconflict_status_valid"
            ),
        ]
        indexes = [
            # the active list and the alert: open conflicts of a tenant, oldest first
            models.Index(
                fields=["status", "tenant_id", "detected_at"], name="semconflict_status_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.intent_a_id} ~ {self.intent_b_id} ({self.status})"
