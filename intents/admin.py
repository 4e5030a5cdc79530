"""Operator console for intents, repositories, commit links and queue locks."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from converge_core.errors import ConvergeError
from converge_core.policy import validate_tenant_risk_policy
from intents.locks import locks_force_release
from intents.models import (
    CommitLink,
    Intent,
    IntentDecision,
    ProcessingFailure,
    QueueLock,
    Repository,
    TenantRiskPolicy,
    WorkerHeartbeat,
)
from intents.risk import risk_policy_set
from intents.services import intent_reset
from intents.validation import intent_validate
from ledger.admin import ReadOnlyAdmin


@admin.register(Repository)
class RepositoryAdmin(admin.ModelAdmin):
    list_display = ("name", "path", "default_branch", "is_bare", "created_at")
    list_filter = ("is_bare",)
    search_fields = ("name", "path")


@admin.register(Intent)
class IntentAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "status",
        "risk_level",
        "priority",
        "source",
        "target",
        "retries",
        "tenant_id",
        "repository",
        "created_at",
    )
    list_filter = ("status", "risk_level", "tenant_id", "repository", "origin_type")
    search_fields = ("id", "source", "target", "plan_id")
    list_select_related = ("repository",)
    readonly_fields = (
        "status",
        "retries",
        "risk_level",
        "declared_risk_level",
        "created_at",
        "created_by",
        "updated_at",
        "claimed_by",
        "claim_expires_at",
    )
    actions = ["validate", "reset_retries"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Intents are created through the CLI, the API or GitHub so intake and events apply.
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.action(description="Validate now (simulation, risk, checks, policy)")
    def validate(self, request: HttpRequest, queryset: QuerySet[Intent]) -> None:
        for intent_id in queryset.values_list("id", flat=True):
            try:
                decision = intent_validate(
                    intent_id=intent_id, actor=f"admin:{request.user.get_username()}"
                )
            except ConvergeError as exc:
                self.message_user(request, f"{intent_id}: {exc.message}", messages.ERROR)
                continue
            if decision["decision"] == "validated":
                self.message_user(request, f"{intent_id}: validated", messages.SUCCESS)
            else:
                self.message_user(request, f"{intent_id}: {decision['reason']}", messages.WARNING)

    @admin.action(description="Reset retries to 0 (queue reset)")
    def reset_retries(self, request: HttpRequest, queryset: QuerySet[Intent]) -> None:
        done = 0
        for intent_id in queryset.values_list("id", flat=True):
            try:
                intent_reset(intent_id=intent_id, actor=f"admin:{request.user.get_username()}")
                done += 1
            except ConvergeError as exc:
                self.message_user(request, f"{intent_id}: {exc.message}", messages.ERROR)
        self.message_user(request, f"Reset {done} intent(s).", messages.SUCCESS)


@admin.register(CommitLink)
class CommitLinkAdmin(ReadOnlyAdmin):
    list_display = ("intent", "role", "sha", "repo", "observed_at")
    list_filter = ("role",)
    search_fields = ("=sha", "intent__id")
    raw_id_fields = ("intent",)


class TenantRiskPolicyForm(forms.ModelForm):
    class Meta:
        model = TenantRiskPolicy
        fields = ("tenant_id", "data")

    def clean_data(self) -> dict[str, Any]:
        try:
            return validate_tenant_risk_policy(self.cleaned_data["data"] or {})
        except ConvergeError as exc:
            raise forms.ValidationError(exc.message) from None


@admin.register(TenantRiskPolicy)
class TenantRiskPolicyAdmin(admin.ModelAdmin):
    """Edits go through the service: validated, versioned and recorded as an event."""

    form = TenantRiskPolicyForm
    list_display = ("tenant_id", "version", "updated_by", "updated_at")
    search_fields = ("tenant_id",)
    readonly_fields = ("version", "updated_by", "updated_at")

    def save_model(
        self, request: HttpRequest, obj: TenantRiskPolicy, form: Any, change: bool
    ) -> None:
        risk_policy_set(
            tenant_id=obj.tenant_id,
            data=form.cleaned_data["data"],
            actor=f"admin:{request.user.get_username()}",
        )


@admin.register(QueueLock)
class QueueLockAdmin(admin.ModelAdmin):
    list_display = ("name", "holder", "acquired_at", "expires_at")
    list_filter = ("repository",)
    actions = ["release"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.action(description="Release (the holder loses the lock)")
    def release(self, request: HttpRequest, queryset: QuerySet[QueueLock]) -> None:
        released = 0
        for lock in queryset:
            released += len(locks_force_release(lock.repository, names=[lock.name]))
        self.message_user(request, f"Released {released} lock(s).", messages.SUCCESS)


@admin.register(WorkerHeartbeat)
class WorkerHeartbeatAdmin(ReadOnlyAdmin):
    """Each worker's last heartbeat: polls are kept here, never in the event log."""

    list_display = (
        "node",
        "hostname",
        "pid",
        "started_at",
        "last_seen_at",
        "stopped_at",
        "cycles",
        "idle_cycles",
        "total_processed",
        "queue_depth",
    )
    search_fields = ("node", "hostname")


@admin.register(IntentDecision)
class IntentDecisionAdmin(ReadOnlyAdmin):
    """The last decision of each intent with the fingerprint of its inputs."""

    list_display = ("intent", "outcome", "fingerprint", "decided_at", "checked_at")
    search_fields = ("intent__id", "=trace_id")
    raw_id_fields = ("intent",)

    @admin.display(description="decision")
    def outcome(self, obj: IntentDecision) -> str:
        return str(obj.decision.get("reason") or obj.decision.get("decision", ""))


@admin.register(ProcessingFailure)
class ProcessingFailureAdmin(ReadOnlyAdmin):
    """Intents the worker set aside after an unexpected error; the intent's "queue reset"
    action clears one."""

    list_display = ("intent", "stage", "error_class", "failures", "last_failed_at", "retry_at")
    list_filter = ("stage", "error_class")
    search_fields = ("intent__id", "message")
    list_select_related = ("intent",)
