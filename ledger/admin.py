"""Operator console for the event log: read-only, like every audit table."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from ledger.models import ChainSeal, Event, PruneCheckpoint


class ReadOnlyAdmin(admin.ModelAdmin):
    """Audit tables are read-only in the console."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Event)
class EventAdmin(ReadOnlyAdmin):
    list_display = ("seq", "timestamp", "event_type", "intent_id", "tenant_id", "trace_id")
    list_filter = ("event_type",)
    search_fields = ("=id", "=intent_id", "=trace_id")
    show_full_result_count = False
    ordering = ("-seq",)


@admin.register(ChainSeal)
class ChainSealAdmin(ReadOnlyAdmin):
    list_display = ("seq", "event_id", "kind", "resealed_at", "reseal_event_id")


@admin.register(PruneCheckpoint)
class PruneCheckpointAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "before", "removed", "last_pruned_seq")
    exclude = ("intent_rows",)
