"""Runtime flag overrides: the operator's toggles, shared by every process."""

from __future__ import annotations

from django.db import models
from django.db.models import Q


class FlagOverride(models.Model):
    """An operator's override of one flag (source ``api``); a null part is not overridden.

    It outranks the environment and the flags file, so the emergency toggle always works.
    """

    name = models.CharField(max_length=64, primary_key=True)
    enabled = models.BooleanField(null=True, blank=True)
    mode = models.CharField(max_length=64, null=True, blank=True)
    set_by = models.CharField(max_length=200, default="system")
    set_at = models.DateTimeField()

    class Meta:
        ordering = ["name"]
        permissions = [("toggle_flag", "Can toggle feature flags")]
        constraints = [
            models.CheckConstraint(
                condition=Q(enabled__isnull=False) | Q(mode__isnull=False),
                name="flagoverride_overrides_something",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} override"
