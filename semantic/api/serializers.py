"""Request bodies and response shapes of the semantic API."""

from __future__ import annotations

from rest_framework import serializers

from converge_core.semantic import CONFLICT_THRESHOLD, SIMILARITY_THRESHOLD
from semantic.choices import ConflictMode, ConflictStatus
from semantic.providers import available_providers


def _tenant() -> serializers.CharField:
    return serializers.CharField(required=False, allow_null=True, allow_blank=True, max_length=200)


def _provider() -> serializers.ChoiceField:
    return serializers.ChoiceField(
        choices=available_providers(),
        required=False,
        allow_null=True,
        help_text="default: the semantic_embeddings_model flag's mode",
    )


def _threshold(default: float) -> serializers.FloatField:
    return serializers.FloatField(default=default, min_value=0.0, max_value=1.0)


class ScanSerializer(serializers.Serializer):
    """``POST P/semantic/conflicts/scan``."""

    tenant_id = _tenant()
    target = serializers.CharField(required=False, allow_null=True, max_length=255)
    model = serializers.CharField(required=False, allow_null=True, max_length=200)
    similarity_threshold = _threshold(SIMILARITY_THRESHOLD)
    conflict_threshold = _threshold(CONFLICT_THRESHOLD)
    mode = serializers.ChoiceField(choices=ConflictMode.choices, required=False, allow_null=True)


class ResolveSerializer(serializers.Serializer):
    """``POST P/semantic/conflicts/resolve``."""

    intent_a = serializers.CharField(max_length=200)
    intent_b = serializers.CharField(max_length=200)
    resolution = serializers.CharField(
        required=False, allow_blank=True, default="acknowledged", max_length=10_000
    )
    tenant_id = _tenant()


class IndexSerializer(serializers.Serializer):
    """``POST P/semantic/index/{intent_id}``."""

    provider = _provider()
    force = serializers.BooleanField(default=False, help_text="embed even if up to date")


class ReindexSerializer(IndexSerializer):
    """``POST P/semantic/reindex``."""

    tenant_id = _tenant()


class FoundConflictSerializer(serializers.Serializer):
    intent_a = serializers.CharField()
    intent_b = serializers.CharField()
    score = serializers.FloatField()
    similarity = serializers.FloatField()
    target_overlap = serializers.FloatField()
    scope_overlap = serializers.FloatField()
    target = serializers.CharField()


class PersistedSerializer(serializers.Serializer):
    opened = serializers.IntegerField()
    changed = serializers.IntegerField()
    held = serializers.IntegerField()


class ScanResultSerializer(serializers.Serializer):
    conflicts = FoundConflictSerializer(many=True)
    candidates_checked = serializers.IntegerField(help_text="pairs compared")
    not_indexed = serializers.IntegerField(help_text="in-flight intents without a vector")
    mode = serializers.ChoiceField(choices=ConflictMode.choices)
    model = serializers.CharField()
    similarity_threshold = serializers.FloatField()
    threshold = serializers.FloatField(help_text="the effective conflict threshold")
    timestamp = serializers.DateTimeField()
    persisted = PersistedSerializer(required=False, help_text="only when the scan persisted")


class ConflictSerializer(FoundConflictSerializer):
    tenant_id = serializers.CharField(allow_null=True)
    model = serializers.CharField()
    mode = serializers.ChoiceField(choices=ConflictMode.choices)
    status = serializers.ChoiceField(choices=ConflictStatus.choices)
    held_intent = serializers.CharField(allow_null=True)
    review_id = serializers.CharField(allow_null=True)
    resolution = serializers.CharField()
    resolved_by = serializers.CharField()
    detected_at = serializers.DateTimeField()
    resolved_at = serializers.DateTimeField(allow_null=True)


class ActiveSerializer(serializers.Serializer):
    conflicts = ConflictSerializer(many=True)


class ResolveResultSerializer(serializers.Serializer):
    ok = serializers.BooleanField()
    intent_a = serializers.CharField()
    intent_b = serializers.CharField()
    resolution = serializers.CharField()
    status = serializers.ChoiceField(choices=ConflictStatus.choices)
    resolved_by = serializers.CharField()
    review_cancelled = serializers.CharField(allow_null=True)
    recorded = serializers.BooleanField(help_text="false: the pair was closed with this already")


class StatusSerializer(serializers.Serializer):
    total_intents = serializers.IntegerField()
    indexed = serializers.IntegerField()
    not_indexed = serializers.IntegerField()
    indexed_pct = serializers.FloatField()
    stale = serializers.IntegerField(help_text="vectors whose intent's text changed since")
    last_model = serializers.CharField(allow_null=True)
    last_generated_at = serializers.DateTimeField(allow_null=True)
    active_model = serializers.CharField()


class QueuedSerializer(serializers.Serializer):
    ok = serializers.BooleanField()
    queued = serializers.CharField(help_text="the task queued")
    intent_id = serializers.CharField(required=False)
    tenant_id = serializers.CharField(required=False, allow_null=True)
