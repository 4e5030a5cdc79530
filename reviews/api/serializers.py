"""Request bodies and response shapes of the reviews API.

Responses are rendered by :func:`reviews.serialization.review_serialize` (shared with the CLI
and the event payloads); the output serializers describe them for the OpenAPI schema.
"""

from __future__ import annotations

from rest_framework import serializers

from intents.choices import RiskLevel
from reviews.choices import ReviewResolution, ReviewStatus, ReviewTrigger


class ReviewRequestSerializer(serializers.Serializer):
    """``POST P/reviews``."""

    intent_id = serializers.CharField(max_length=200)
    trigger = serializers.ChoiceField(choices=ReviewTrigger.choices, default=ReviewTrigger.POLICY)
    reviewer = serializers.CharField(required=False, allow_null=True, max_length=200)
    priority = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=5)
    tenant_id = serializers.CharField(
        required=False, allow_null=True, allow_blank=True, max_length=200
    )
    force = serializers.BooleanField(
        default=False, help_text="open a new review even if one of this trigger is open"
    )


class ReviewAssignSerializer(serializers.Serializer):
    reviewer = serializers.CharField(max_length=200)


class ReviewCompleteSerializer(serializers.Serializer):
    resolution = serializers.ChoiceField(
        choices=ReviewResolution.choices, default=ReviewResolution.APPROVED
    )
    notes = serializers.CharField(required=False, allow_blank=True, default="")


class ReviewCancelSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class ReviewEscalateSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="sla_breach")


class ReviewTaskSerializer(serializers.Serializer):
    id = serializers.CharField()
    intent_id = serializers.CharField()
    status = serializers.ChoiceField(choices=ReviewStatus.choices)
    reviewer = serializers.CharField(allow_null=True)
    priority = serializers.IntegerField()
    risk_level = serializers.ChoiceField(choices=RiskLevel.choices)
    trigger = serializers.ChoiceField(choices=ReviewTrigger.choices)
    sla_deadline = serializers.DateTimeField()
    created_at = serializers.DateTimeField()
    assigned_at = serializers.DateTimeField(allow_null=True)
    completed_at = serializers.DateTimeField(allow_null=True)
    escalated_at = serializers.DateTimeField(allow_null=True)
    resolution = serializers.ChoiceField(choices=ReviewResolution.choices, allow_null=True)
    notes = serializers.CharField()
    tenant_id = serializers.CharField(allow_null=True)
    escalation_level = serializers.IntegerField()
    sla_breached_at = serializers.DateTimeField(allow_null=True)


class ReviewListSerializer(serializers.Serializer):
    reviews = ReviewTaskSerializer(many=True)
    total = serializers.IntegerField(help_text="the number of reviews returned")


class ReviewSummarySerializer(serializers.Serializer):
    total = serializers.IntegerField()
    by_status = serializers.DictField(child=serializers.IntegerField())
    by_reviewer = serializers.DictField(
        child=serializers.IntegerField(), help_text="tasks assigned or in review per reviewer"
    )
    sla_breached = serializers.IntegerField(help_text="open tasks past their SLA deadline")
    timestamp = serializers.DateTimeField()
