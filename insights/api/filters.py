"""Query parameters of the intake, health, compliance and dashboard read endpoints."""

from __future__ import annotations

from rest_framework import serializers

from intents.api.filters import TenantFilter


def days_field() -> serializers.IntegerField:
    return serializers.IntegerField(
        required=False, default=30, min_value=1, max_value=365, help_text="1 to 365 days"
    )


class TrendFilter(TenantFilter):
    days = days_field()


class DashboardFilter(TenantFilter):
    risk_trend_days = days_field()
