"""Operator console for intents, the event log and commit links."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from converge_core.errors import ConvergeError
from intents.models import ChainSeal, CommitLink, Event, Intent, PruneCheckpoint, Repository
from intents.services import intent_reset


class ReadOnlyAdmin(admin.ModelAdmin):
    """Audit tables are read-only in the console."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


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
    actions = ["reset_retries"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Intents are created through the CLI, the API or GitHub so intake and events apply.
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

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


@admin.register(Event)
class EventAdmin(ReadOnlyAdmin):
    list_display = ("seq", "timestamp", "event_type", "intent_id", "tenant_id", "trace_id")
    list_filter = ("event_type",)
    search_fields = ("=id", "=intent_id", "=trace_id")
    show_full_result_count = False
    ordering = ("-seq",)


@admin.register(CommitLink)
class CommitLinkAdmin(ReadOnlyAdmin):
    list_display = ("intent", "role", "sha", "repo", "observed_at")
    list_filter = ("role",)
    search_fields = ("=sha", "intent__id")
    raw_id_fields = ("intent",)


@admin.register(ChainSeal)
class ChainSealAdmin(ReadOnlyAdmin):
    list_display = ("seq", "event_id", "kind", "resealed_at", "reseal_event_id")


@admin.register(PruneCheckpoint)
class PruneCheckpointAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "before", "removed", "last_pruned_seq")
    exclude = ("intent_rows",)
