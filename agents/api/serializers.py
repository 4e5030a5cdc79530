"""Request bodies and response shapes of the agent API."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rest_framework import serializers

from access.apibase import BodySerializer
from converge_core.agents import ACTIONS, ATL_LEVELS, SEVERITIES


def tenant_field() -> serializers.CharField:
    return serializers.CharField(required=False, allow_null=True, allow_blank=True, max_length=200)


class ClosedSerializer(BodySerializer):
    """An object taking only its fields: another key is refused, not dropped."""

    closed = True

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, Mapping):
            unknown = sorted(str(key) for key in data if key not in self.fields)
            if unknown:
                raise serializers.ValidationError({key: ["unknown field"] for key in unknown})
        return super().to_internal_value(data)


class LimitsSerializer(ClosedSerializer):
    max_risk_score = serializers.FloatField(required=False, min_value=0, max_value=100)
    max_blast_severity = serializers.ChoiceField(choices=SEVERITIES, required=False)
    min_test_coverage = serializers.FloatField(required=False, min_value=0, max_value=1)


class ActionOverridesSerializer(ClosedSerializer):
    """Per action, the limits that replace the policy's for that action (the fields are
    made here: ``validate`` cannot be a class attribute of a serializer)."""

    def get_fields(self) -> dict[str, serializers.Field]:
        return {action: LimitsSerializer(required=False) for action in ACTIONS}


class AgentPolicyBodySerializer(serializers.Serializer):
    """``POST P/agent/policy``: the whole policy (omitted fields take their defaults)."""

    agent_id = serializers.CharField(max_length=200)
    tenant_id = tenant_field()
    atl = serializers.ChoiceField(choices=[(n, str(n)) for n in ATL_LEVELS], default=0)
    max_risk_score = serializers.FloatField(default=30.0, min_value=0, max_value=100)
    max_blast_severity = serializers.ChoiceField(choices=SEVERITIES, default="low")
    min_test_coverage = serializers.FloatField(default=0.0, min_value=0, max_value=1)
    require_compliance_pass = serializers.BooleanField(default=True)
    require_human_approval = serializers.BooleanField(default=True)
    require_dual_approval_on_critical = serializers.BooleanField(default=True)
    allow_actions = serializers.ListField(
        child=serializers.ChoiceField(choices=ACTIONS), default=["analyze"], max_length=len(ACTIONS)
    )
    action_overrides = ActionOverridesSerializer(required=False)
    expires_at = serializers.DateTimeField(required=False, allow_null=True)


class AgentPolicySerializer(serializers.Serializer):
    agent_id = serializers.CharField()
    tenant_id = serializers.CharField(allow_null=True)
    atl = serializers.IntegerField()
    max_risk_score = serializers.FloatField()
    max_blast_severity = serializers.CharField()
    min_test_coverage = serializers.FloatField()
    require_compliance_pass = serializers.BooleanField()
    require_human_approval = serializers.BooleanField()
    require_dual_approval_on_critical = serializers.BooleanField()
    allow_actions = serializers.ListField(child=serializers.CharField())
    action_overrides = serializers.DictField()
    expires_at = serializers.CharField(allow_null=True)


class AuthorizeBodySerializer(serializers.Serializer):
    agent_id = serializers.CharField(max_length=200)
    action = serializers.ChoiceField(choices=ACTIONS)
    intent_id = serializers.CharField(max_length=200)
    tenant_id = tenant_field()
    human_approvals = serializers.IntegerField(
        default=0,
        min_value=0,
        help_text="ignored (with a warning): approvals are counted from completed reviews",
    )


class WarningSerializer(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()


class AuthorizationSerializer(serializers.Serializer):
    agent_id = serializers.CharField()
    action = serializers.CharField()
    intent_id = serializers.CharField()
    allowed = serializers.BooleanField()
    reasons = serializers.ListField(child=serializers.CharField())
    denied_by = serializers.ListField(child=serializers.CharField())
    atl = serializers.IntegerField()
    effective_limits = serializers.DictField()
    human_approvals = serializers.IntegerField()
    approvers = serializers.ListField(child=serializers.CharField())
    timestamp = serializers.CharField()
    warnings = WarningSerializer(many=True, required=False)
