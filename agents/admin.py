"""Admin of agent policies and ownership rules; saving goes through the services, so every
change is validated and recorded like one made from the CLI or the API."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from agents.models import AgentPolicyRecord, OwnershipRules
from agents.services import agent_policy_set, ownership_set


@admin.register(AgentPolicyRecord)
class AgentPolicyAdmin(admin.ModelAdmin):
    list_display = ("agent_id", "tenant_key", "atl", "allow_actions", "expires_at", "updated_at")
    list_filter = ("atl", "tenant_key")
    search_fields = ("agent_id",)
    readonly_fields = ("updated_at", "updated_by")

    def save_model(
        self, request: HttpRequest, obj: AgentPolicyRecord, form: Any, change: bool
    ) -> None:
        agent_policy_set(
            data={
                "agent_id": obj.agent_id,
                "tenant_id": obj.tenant_key or None,
                "atl": obj.atl,
                "max_risk_score": obj.max_risk_score,
                "max_blast_severity": obj.max_blast_severity,
                "min_test_coverage": obj.min_test_coverage,
                "require_compliance_pass": obj.require_compliance_pass,
                "require_human_approval": obj.require_human_approval,
                "require_dual_approval_on_critical": obj.require_dual_approval_on_critical,
                "allow_actions": obj.allow_actions,
                "action_overrides": obj.action_overrides,
                "expires_at": obj.expires_at,
            },
            actor=request.user.get_username(),
        )


@admin.register(OwnershipRules)
class OwnershipRulesAdmin(admin.ModelAdmin):
    list_display = ("repository", "tenant_key", "updated_at", "updated_by")
    list_filter = ("tenant_key",)
    readonly_fields = ("updated_at", "updated_by")

    def save_model(
        self, request: HttpRequest, obj: OwnershipRules, form: Any, change: bool
    ) -> None:
        ownership_set(
            repository=obj.repository,
            tenant_id=obj.tenant_key or None,
            document=obj.document,
            actor=request.user.get_username(),
        )
