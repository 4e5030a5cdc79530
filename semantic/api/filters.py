"""Query parameters of the semantic read endpoints."""

from __future__ import annotations

from rest_framework import serializers

from converge_core.semantic import CONFLICT_THRESHOLD, SIMILARITY_THRESHOLD
from intents.api.filters import TenantFilter, limit_field
from semantic.choices import ConflictMode


def _threshold(default: float) -> serializers.FloatField:
    return serializers.FloatField(required=False, default=default, min_value=0.0, max_value=1.0)


class StatusFilter(TenantFilter):
    model = serializers.CharField(
        required=False, max_length=200, trim_whitespace=False, help_text="only this model"
    )


class ScanFilter(TenantFilter):
    """``GET P/semantic/conflicts``: a read-only scan (the POST ``…/scan`` persists)."""

    target = serializers.CharField(required=False, max_length=255, trim_whitespace=False)
    model = serializers.CharField(
        required=False,
        max_length=200,
        trim_whitespace=False,
        help_text="vectors of this model (default: the active provider's)",
    )
    similarity_threshold = _threshold(SIMILARITY_THRESHOLD)
    conflict_threshold = _threshold(CONFLICT_THRESHOLD)
    mode = serializers.ChoiceField(
        choices=ConflictMode.choices, required=False, help_text="default: the flag's mode"
    )


class ActiveFilter(TenantFilter):
    limit = limit_field(50)
