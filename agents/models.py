"""Agent policies and code-ownership rules, stored per tenant (``""``: no tenant)."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone

from converge_core.agents import ATL_LEVELS, SEVERITIES

SEVERITY_CHOICES = [(value, value) for value in SEVERITIES]
ATL_CHOICES = [(value, str(value)) for value in ATL_LEVELS]


class AgentPolicyRecord(models.Model):
    """One agent's policy in one tenant (risk-policy §6.1); the lookup is exact."""

    agent_id = models.CharField(max_length=200)
    tenant_key = models.CharField(max_length=200, blank=True, default="")
    atl = models.PositiveSmallIntegerField(choices=ATL_CHOICES, default=0)
    max_risk_score = models.FloatField(default=30.0)
    max_blast_severity = models.CharField(max_length=16, choices=SEVERITY_CHOICES, default="low")
    min_test_coverage = models.FloatField(default=0.0)
    require_compliance_pass = models.BooleanField(default=True)
    require_human_approval = models.BooleanField(default=True)
    require_dual_approval_on_critical = models.BooleanField(default=True)
    allow_actions = models.JSONField(default=list, blank=True)
    action_overrides = models.JSONField(default=dict, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.CharField(max_length=200, default="system")

    class Meta:
        ordering = ["tenant_key", "agent_id"]
        constraints = [
            models.UniqueConstraint(fields=["agent_id", "tenant_key"], name="agent_policy_key"),
            models.CheckConstraint(condition=Q(atl__lte=3), name="agent_policy_atl_0_3"),
        ]

    def __str__(self) -> str:
        return f"{self.agent_id} ({self.tenant_key or 'no tenant'})"


class OwnershipRules(models.Model):
    """The code-ownership rules of one repository in one tenant (risk-policy §7 note 3)."""

    tenant_key = models.CharField(max_length=200, blank=True, default="")
    repository = models.ForeignKey(
        "intents.Repository", on_delete=models.CASCADE, related_name="ownership_rules"
    )
    document = models.JSONField(default=dict)
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.CharField(max_length=200, default="system")

    class Meta:
        verbose_name_plural = "ownership rules"
        ordering = ["tenant_key", "repository"]
        constraints = [
            models.UniqueConstraint(fields=["tenant_key", "repository"], name="ownership_key"),
        ]

    def __str__(self) -> str:
        return f"{self.repository} ({self.tenant_key or 'no tenant'})"
