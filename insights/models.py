"""What the read models store: per-tenant compliance thresholds."""

from __future__ import annotations

from django.db import models


class TenantComplianceThresholds(models.Model):
    """A tenant's compliance thresholds (canonical keys only), replaced wholesale on write."""

    tenant_id = models.CharField(max_length=200, unique=True)
    data = models.JSONField(default=dict)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.CharField(max_length=200, default="system")

    class Meta:
        db_table = "intake_tenantcompliancethresholds"
        ordering = ["tenant_id"]
        verbose_name_plural = "tenant compliance thresholds"

    def __str__(self) -> str:
        return f"compliance thresholds of {self.tenant_id}"
