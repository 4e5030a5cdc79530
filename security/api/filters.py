"""Query parameters of the security read endpoints."""

from __future__ import annotations

from rest_framework import serializers

from intents.api.filters import TenantFilter, limit_field
from security.choices import Category, FindingStatus, Severity


class _IntentFilter(TenantFilter):
    intent_id = serializers.CharField(required=False, max_length=200, trim_whitespace=False)


class FindingListFilter(_IntentFilter):
    scanner = serializers.CharField(required=False, max_length=100, trim_whitespace=False)
    severity = serializers.ChoiceField(choices=Severity.choices, required=False)
    category = serializers.ChoiceField(choices=Category.choices, required=False)
    status = serializers.ChoiceField(
        choices=FindingStatus.choices, required=False, default=FindingStatus.OPEN
    )
    limit = limit_field(100)


class FindingCountsFilter(_IntentFilter):
    pass


class ScanListFilter(_IntentFilter):
    limit = limit_field(20)
