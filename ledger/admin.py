"""Operator console for the event log: read-only, like every audit table."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html

from ledger.models import ChainSeal, Event, PruneCheckpoint


class ReadOnlyAdmin(admin.ModelAdmin):
    """Audit tables are read-only in the console."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


# what the machinery records on its own, hidden from the event list unless asked for
NOISE_PREFIXES = ("worker.", "queue.processed", "health.", "verification.debt.snapshot")
OPERATOR_PREFIX = "admin:"


class NoiseFilter(admin.SimpleListFilter):
    """Worker and snapshot events are hidden by default: operators look for decisions."""

    title = "worker noise"
    parameter_name = "noise"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("hide", "Hidden"), ("all", "Shown")]

    def choices(self, changelist: Any) -> Any:
        current = self.value() or "hide"
        for lookup, title in self.lookup_choices:
            yield {
                "selected": current == lookup,
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }

    def queryset(self, request: HttpRequest, queryset: QuerySet[Event]) -> Any:
        if (self.value() or "hide") == "hide":
            for prefix in NOISE_PREFIXES:
                queryset = queryset.exclude(event_type__startswith=prefix)
        return queryset


class ActorFilter(admin.SimpleListFilter):
    """Operators in the console, everything else, or one actor (search by actor too)."""

    title = "actor"
    parameter_name = "actor"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("operators", "Console operators (admin:*)"), ("others", "Everything else")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Event]) -> Any:
        if self.value() == "operators":
            return queryset.filter(agent_id__startswith=OPERATOR_PREFIX)
        if self.value() == "others":
            return queryset.exclude(agent_id__startswith=OPERATOR_PREFIX)
        return queryset


@admin.register(Event)
class EventAdmin(ReadOnlyAdmin):
    list_display = ("seq", "timestamp", "event_type", "intent", "actor", "tenant_id", "trace_id")
    list_filter = (NoiseFilter, ActorFilter, "event_type", "tenant_id")
    search_fields = ("=id", "=intent_id", "=trace_id", "=agent_id")
    date_hierarchy = "timestamp"
    show_full_result_count = False
    ordering = ("-seq",)

    @admin.display(description="intent", ordering="intent_id")
    def intent(self, event: Event) -> str:
        if not event.intent_id:
            return "—"
        url = reverse("admin:intents_intent_change", args=[event.intent_id])
        return format_html('<a href="{}">{}</a>', url, event.intent_id)

    @admin.display(description="actor", ordering="agent_id")
    def actor(self, event: Event) -> str:
        return event.agent_id or "—"


@admin.register(ChainSeal)
class ChainSealAdmin(ReadOnlyAdmin):
    list_display = ("seq", "event_id", "kind", "resealed_at", "reseal_event_id")


@admin.register(PruneCheckpoint)
class PruneCheckpointAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "before", "removed", "last_pruned_seq")
    exclude = ("intent_rows",)
