"""Operator console for the event log: read-only, like every audit table."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html

from converge_core.events import EVENT_TYPES
from interfaces.console import BoundedCountPaginator, indexed_values_filter, recent_filter
from ledger.models import ChainSeal, Event, PruneCheckpoint
from ledger.selectors import startswith


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
            return queryset.filter(startswith("agent_id", OPERATOR_PREFIX))
        if self.value() == "others":
            return queryset.exclude(startswith("agent_id", OPERATOR_PREFIX))
        return queryset


class EventTypeFilter(admin.SimpleListFilter):
    """The catalogue's types: listing the types present would read the whole log."""

    title = "event type"
    parameter_name = "event_type"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [(name, name) for name in sorted(EVENT_TYPES)]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Event]) -> Any:
        return queryset.filter(event_type=self.value()) if self.value() else queryset


# what the search box matches, exactly (case-sensitive, so each lookup is an index probe)
SEARCHED = ("id", "intent_id", "trace_id", "agent_id", "tenant_id")


@admin.register(Event)
class EventAdmin(ReadOnlyAdmin):
    """The log's changelist costs the same at a thousand events and at ten million: fixed
    filter choices, exact indexed search, a bounded count and no date hierarchy."""

    list_display = ("seq", "timestamp", "event_type", "intent", "actor", "tenant_id", "trace_id")
    list_filter = (
        NoiseFilter,
        ActorFilter,
        recent_filter("timestamp", "time"),
        EventTypeFilter,
        indexed_values_filter("tenant_id", "tenant"),
    )
    search_fields = SEARCHED
    search_help_text = "An event, intent, trace, actor or tenant id, exactly."
    show_full_result_count = False
    paginator = BoundedCountPaginator
    ordering = ("-seq",)

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Event], search_term: str
    ) -> tuple[QuerySet[Event], bool]:
        term = search_term.strip()
        if not term:
            return queryset, False
        matches = Q()
        for field in SEARCHED:
            matches |= Q(**{field: term})
        return queryset.filter(matches), False

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
