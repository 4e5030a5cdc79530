"""Operator console for the read models' stored thresholds."""

from __future__ import annotations

from django.contrib import admin

from insights.models import TenantComplianceThresholds
from ledger.admin import ReadOnlyAdmin


@admin.register(TenantComplianceThresholds)
class TenantComplianceThresholdsAdmin(ReadOnlyAdmin):
    """Read-only: thresholds are validated and recorded by ``compliance threshold-set``."""

    list_display = ("tenant_id", "data", "updated_by", "updated_at")
    search_fields = ("tenant_id",)
