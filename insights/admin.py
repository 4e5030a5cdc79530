"""Operator console for the read models' stored thresholds."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from insights.models import TenantComplianceThresholds


@admin.register(TenantComplianceThresholds)
class TenantComplianceThresholdsAdmin(admin.ModelAdmin):
    """Read-only: thresholds are validated and recorded by ``compliance threshold-set``."""

    list_display = ("tenant_id", "data", "updated_by", "updated_at")
    search_fields = ("tenant_id",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
