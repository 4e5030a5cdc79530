"""Review tasks: a human (or agent) review an intent waits for."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone

from intents.choices import RiskLevel
from reviews.choices import ReviewResolution, ReviewStatus, ReviewTrigger


class ReviewTask(models.Model):
    """One review of an intent, moved through its states by the review services only.

    While a task is open the queue holds the intent; a task completed ``rejected`` makes the
    queue reject it. ``sla_breached_at`` records the first time the SLA check saw it overdue.
    """

    id = models.CharField(max_length=16, primary_key=True)
    intent = models.ForeignKey(
        "intents.Intent", on_delete=models.CASCADE, related_name="review_tasks"
    )
    status = models.CharField(
        max_length=16, choices=ReviewStatus.choices, default=ReviewStatus.PENDING
    )
    reviewer = models.CharField(max_length=200, null=True, blank=True)
    priority = models.PositiveSmallIntegerField(default=3)
    risk_level = models.CharField(
        max_length=16, choices=RiskLevel.choices, default=RiskLevel.MEDIUM
    )
    trigger = models.CharField(max_length=16, choices=ReviewTrigger.choices)
    sla_deadline = models.DateTimeField()
    created_at = models.DateTimeField(default=timezone.now)
    assigned_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)
    sla_breached_at = models.DateTimeField(null=True, blank=True)
    resolution = models.CharField(
        max_length=16, choices=ReviewResolution.choices, null=True, blank=True
    )
    notes = models.TextField(blank=True, default="")
    tenant_id = models.CharField(max_length=200, null=True, blank=True)
    escalation_level = models.PositiveSmallIntegerField(default=0)
    # who completed or cancelled it (the actor of its review.completed / review.cancelled)
    decided_by = models.CharField(max_length=200, null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["priority", "created_at"]
        permissions = [
            ("decide_review", "Can assign, decide, escalate and cancel reviews"),
            ("request_review", "Can request a review of an intent"),
        ]
        indexes = [
            # lists and the sweep: tasks of a status in priority order
            models.Index(
                fields=["status", "priority", "created_at"], name="review_status_order_idx"
            ),
            # "my reviews" and the reviewer load of auto-assignment
            models.Index(fields=["reviewer", "status"], name="review_reviewer_idx"),
            # tenant-scoped lists, summaries and backlog counts
            models.Index(fields=["tenant_id", "status"], name="review_tenant_idx"),
            # the SLA check: open tasks past their deadline
            models.Index(fields=["sla_deadline"], name="review_sla_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=ReviewStatus.values), name="review_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(trigger__in=ReviewTrigger.values), name="review_trigger_valid"
            ),
            models.CheckConstraint(
                condition=Q(resolution__isnull=True) | Q(resolution__in=ReviewResolution.values),
                name="review_resolution_valid",
            ),
            models.CheckConstraint(
                condition=Q(priority__gte=1) & Q(priority__lte=5), name="review_priority_1_5"
            ),
            models.CheckConstraint(
                condition=~Q(status=ReviewStatus.COMPLETED) | Q(resolution__isnull=False),
                name="review_completed_has_resolution",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.id} ({self.intent_id}, {self.status})"
