"""Query parameters of the review read endpoints."""

from __future__ import annotations

from rest_framework import serializers

from intents.api.filters import TenantFilter, limit_field
from reviews.choices import ReviewStatus


class ReviewListFilter(TenantFilter):
    intent_id = serializers.CharField(required=False, max_length=200, trim_whitespace=False)
    status = serializers.ChoiceField(choices=ReviewStatus.choices, required=False)
    reviewer = serializers.CharField(required=False, max_length=200, trim_whitespace=False)
    limit = limit_field(50)
