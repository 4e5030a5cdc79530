"""Intake overrides and per-tenant compliance thresholds."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from intake.choices import StoredIntakeMode


class IntakeOverride(models.Model):
    """A fixed intake mode for a tenant (``""`` = every tenant without its own override).

    Without a row the mode is computed (``auto``). ``set_by_sweep`` marks a throttle the review
    sweep set for a review backlog: the sweep lifts only those, never an operator's override.
    """

    tenant_id = models.CharField(max_length=200, unique=True, blank=True)
    mode = models.CharField(max_length=16, choices=StoredIntakeMode.choices)
    reason = models.TextField(blank=True, default="")
    set_by = models.CharField(max_length=200, default="system")
    set_by_sweep = models.BooleanField(default=False)
    set_at = models.DateTimeField()

    class Meta:
        ordering = ["tenant_id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(mode__in=StoredIntakeMode.values), name="intakeoverride_mode_valid"
            )
        ]

    def __str__(self) -> str:
        return f"{self.tenant_id or '(all tenants)'}: {self.mode}"


class TenantComplianceThresholds(models.Model):
    """A tenant's compliance thresholds (canonical keys only), replaced wholesale on write."""

    tenant_id = models.CharField(max_length=200, unique=True)
    data = models.JSONField(default=dict)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.CharField(max_length=200, default="system")

    class Meta:
        ordering = ["tenant_id"]
        verbose_name_plural = "tenant compliance thresholds"

    def __str__(self) -> str:
        return f"compliance thresholds of {self.tenant_id}"
