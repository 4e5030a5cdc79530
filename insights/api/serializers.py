"""Request bodies and response shapes of the debt, health, compliance, metrics and dashboard
API.

Responses are the dictionaries of the read models in ``insights`` (shared with the
CLI); the output serializers describe them for the OpenAPI schema.
"""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from access.apibase import BodySerializer
from converge_core.health import BANDS
from intents.api.serializers import (
    HealthSnapshotSerializer,
    LearningSerializer,
    QueueStateSerializer,
)
from security.api.serializers import SecuritySummarySerializer


class DebtSnapshotSerializer(serializers.Serializer):
    debt_score = serializers.FloatField()
    staleness_score = serializers.FloatField()
    queue_pressure_score = serializers.FloatField()
    review_backlog_score = serializers.FloatField()
    conflict_pressure_score = serializers.FloatField()
    retry_pressure_score = serializers.FloatField()
    breakdown = serializers.DictField()
    status = serializers.ChoiceField(choices=BANDS)
    timestamp = serializers.DateTimeField()
    tenant_id = serializers.CharField(allow_null=True)


class ChangeHealthSerializer(serializers.Serializer):
    intent_id = serializers.CharField()
    health_score = serializers.FloatField()
    risk_score = serializers.FloatField()
    entropy_score = serializers.FloatField()
    mergeable = serializers.BooleanField()
    policy_verdict = serializers.CharField()
    status = serializers.ChoiceField(choices=BANDS)
    timestamp = serializers.DateTimeField()
    tenant_id = serializers.CharField(allow_null=True)
    learning = LearningSerializer()


class EntropyPointSerializer(serializers.Serializer):
    timestamp = serializers.DateTimeField()
    intent_id = serializers.CharField(allow_null=True)
    entropy_score = serializers.FloatField(allow_null=True)


class RiskPointSerializer(EntropyPointSerializer):
    risk_score = serializers.FloatField(allow_null=True)
    damage_score = serializers.FloatField(allow_null=True)


class PredictionSerializer(serializers.Serializer):
    signal = serializers.CharField()
    severity = serializers.ChoiceField(choices=["medium", "high", "critical"])
    message = serializers.CharField()
    recommendation = serializers.CharField()


class ComplianceCheckSerializer(serializers.Serializer):
    name = serializers.CharField()
    value = serializers.FloatField()
    threshold = serializers.FloatField()
    op = serializers.ChoiceField(choices=[">=", "<="])
    passed = serializers.BooleanField()


class ComplianceAlertSerializer(ComplianceCheckSerializer):
    alert = serializers.CharField()


class ComplianceReportSerializer(serializers.Serializer):
    mergeable_rate = serializers.FloatField()
    conflict_rate = serializers.FloatField()
    retries_total = serializers.IntegerField()
    queue_tracked = serializers.IntegerField()
    debt_score = serializers.FloatField(allow_null=True, help_text="null while debt is disabled")
    semantic_conflicts_overdue = serializers.IntegerField(
        help_text="semantic conflicts open for longer than the escalation window"
    )
    checks = ComplianceCheckSerializer(many=True)
    passed = serializers.BooleanField()
    alerts = ComplianceAlertSerializer(many=True)
    thresholds = serializers.DictField(child=serializers.FloatField())
    window_days = serializers.IntegerField()
    timestamp = serializers.DateTimeField()
    tenant_id = serializers.CharField(allow_null=True)


class ComplianceThresholdsSerializer(serializers.Serializer):
    """A tenant's stored thresholds (only the keys it set) and the tenant."""

    tenant_id = serializers.CharField()
    min_mergeable_rate = serializers.FloatField(required=False)
    max_conflict_rate = serializers.FloatField(required=False)
    max_retries_total = serializers.IntegerField(required=False)
    max_queue_tracked = serializers.IntegerField(required=False)
    max_debt_score = serializers.FloatField(required=False)


def threshold_field(field_class: type[serializers.Field], **bounds: Any) -> serializers.Field:
    return field_class(required=False, allow_null=True, **bounds)


class ComplianceThresholdsWriteSerializer(BodySerializer):
    """``POST P/compliance/thresholds``: replaces the tenant's thresholds wholesale.

    The service refuses other keys and a body without a threshold (null ones are dropped)."""

    tenant_id = serializers.CharField(required=False, allow_null=True, max_length=200)
    min_mergeable_rate = threshold_field(serializers.FloatField, min_value=0, max_value=1)
    max_conflict_rate = threshold_field(serializers.FloatField, min_value=0, max_value=1)
    max_retries_total = threshold_field(serializers.IntegerField, min_value=0)
    max_queue_tracked = threshold_field(serializers.IntegerField, min_value=0)
    max_debt_score = threshold_field(serializers.FloatField, min_value=0, max_value=100)
    required_any = (
        "min_mergeable_rate",
        "max_conflict_rate",
        "max_retries_total",
        "max_queue_tracked",
        "max_debt_score",
    )
    closed = True


class IntegrationMetricsSerializer(serializers.Serializer):
    total_simulations = serializers.IntegerField()
    mergeable = serializers.IntegerField()
    mergeable_rate = serializers.FloatField()
    total_merged = serializers.IntegerField()
    total_rejected = serializers.IntegerField()
    total_blocked = serializers.IntegerField()
    decision_distribution = serializers.DictField(child=serializers.IntegerField())
    tenant_id = serializers.CharField(allow_null=True)
    timestamp = serializers.DateTimeField()


class DashboardComplianceSerializer(serializers.Serializer):
    passed = serializers.BooleanField()
    alerts = ComplianceAlertSerializer(many=True)
    checks = ComplianceCheckSerializer(many=True)
    mergeable_rate = serializers.FloatField()
    conflict_rate = serializers.FloatField()


class DashboardSerializer(serializers.Serializer):
    health = HealthSnapshotSerializer()
    queue = QueueStateSerializer()
    compliance = DashboardComplianceSerializer()
    debt = DebtSnapshotSerializer(allow_null=True, help_text="null while debt is disabled")
    security = SecuritySummarySerializer()
    risk_trend = RiskPointSerializer(many=True)
    predictions = PredictionSerializer(many=True)
    metrics = IntegrationMetricsSerializer()


class DashboardAlertSerializer(serializers.Serializer):
    """A failing compliance check or an issue prediction; the other keys depend on ``source``."""

    source = serializers.ChoiceField(choices=["compliance", "prediction"])  # type: ignore[assignment]  # a field, not Field.source
    alert = serializers.CharField(required=False)
    signal = serializers.CharField(required=False)
    severity = serializers.CharField(required=False)
    message = serializers.CharField(required=False)
    recommendation = serializers.CharField(required=False)


class DashboardAlertsSerializer(serializers.Serializer):
    compliance_passed = serializers.BooleanField()
    alerts = DashboardAlertSerializer(many=True)
    total = serializers.IntegerField()
