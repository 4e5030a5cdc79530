"""Intake overrides: the mode an operator (or the review sweep) set for a tenant."""

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
        permissions = [("set_intake", "Can set the intake mode of a tenant")]
        constraints = [
            models.CheckConstraint(
                condition=Q(mode__in=StoredIntakeMode.values), name="intakeoverride_mode_valid"
            )
        ]

    def __str__(self) -> str:
        return f"{self.tenant_id or '(all tenants)'}: {self.mode}"
