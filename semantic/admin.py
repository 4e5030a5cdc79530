"""Operator console of the semantic app: conflicts (open first, both objectives side by side,
resolve and acknowledge with a reason through the services) and the index's coverage."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm
from django.db.models import Case, IntegerField, QuerySet, Value, When
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.html import format_html

from converge_core.errors import ConvergeError
from converge_core.semantic import ConflictStatus
from intents.models import Intent
from interfaces.console import BoundedCountPaginator
from semantic.conflicts import conflict_resolve
from semantic.index import index_status
from semantic.models import Embedding, SemanticConflict


class ConflictActionForm(ActionForm):
    note = forms.CharField(required=False, label="Reason")


def _objective(intent: Intent) -> str:
    semantic = intent.semantic if isinstance(intent.semantic, Mapping) else {}
    return str(
        semantic.get("objective")
        or semantic.get("problem_statement")
        or semantic.get("title")
        or ""
    )


def _intent_cell(intent: Intent) -> str:
    url = reverse("admin:intents_intent_change", args=[intent.pk])
    return format_html('<a href="{}">{}</a><br>{}', url, intent.pk, _objective(intent))


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(SemanticConflict)
class SemanticConflictAdmin(ReadOnlyAdmin):
    list_display = (
        "pair",
        "status",
        "score",
        "similarity",
        "scope_overlap",
        "intent_a_side",
        "intent_b_side",
        "held_intent",
        "resolution",
        "resolved_by",
        "detected_at",
    )
    list_filter = ("status", "mode", "target", "tenant_id")
    search_fields = ("intent_a__id", "intent_b__id", "resolution")
    list_select_related = ("intent_a", "intent_b")
    show_full_result_count = False
    paginator = BoundedCountPaginator
    action_form = ConflictActionForm
    actions = ["resolve", "acknowledge"]

    def get_ordering(self, request: HttpRequest) -> list[Any]:
        """Open conflicts first, then by score."""
        open_first = Case(
            When(status=ConflictStatus.OPEN, then=Value(0)),
            default=Value(1),
            output_field=IntegerField(),
        )
        return [open_first.asc(), "-score", "-detected_at"]

    @admin.display(description="Pair")
    def pair(self, row: SemanticConflict) -> str:
        return f"{row.intent_a_id} ~ {row.intent_b_id}"

    @admin.display(description="Intent A")
    def intent_a_side(self, row: SemanticConflict) -> str:
        return _intent_cell(row.intent_a)

    @admin.display(description="Intent B")
    def intent_b_side(self, row: SemanticConflict) -> str:
        return _intent_cell(row.intent_b)

    def _close(
        self, request: HttpRequest, queryset: QuerySet[SemanticConflict], status: str
    ) -> None:
        reason = request.POST.get("note", "").strip()
        if not reason:
            self.message_user(request, "Give a reason.", messages.ERROR)
            return
        actor = f"admin:{request.user.get_username()}"
        done = 0
        for a, b in queryset.values_list("intent_a_id", "intent_b_id"):
            try:
                conflict_resolve(
                    intent_a=a, intent_b=b, resolution=reason, actor=actor, status=status
                )
                done += 1
            except ConvergeError as exc:
                self.message_user(request, f"{a} ~ {b}: {exc.message}", messages.ERROR)
        if done:
            self.message_user(request, f"Closed {done} conflict(s) as {status}.", messages.SUCCESS)

    def has_resolve_conflict_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("semantic.resolve_conflict")

    @admin.action(description="Resolve with the reason given", permissions=["resolve_conflict"])
    def resolve(self, request: HttpRequest, queryset: QuerySet[SemanticConflict]) -> None:
        self._close(request, queryset, ConflictStatus.RESOLVED)

    @admin.action(
        description="Acknowledge (may coexist) with the reason given",
        permissions=["resolve_conflict"],
    )
    def acknowledge(self, request: HttpRequest, queryset: QuerySet[SemanticConflict]) -> None:
        self._close(request, queryset, ConflictStatus.ACKNOWLEDGED)


@admin.register(Embedding)
class EmbeddingAdmin(ReadOnlyAdmin):
    list_display = ("intent", "model", "provider", "dimension", "checksum", "generated_at")
    list_filter = ("model", "provider", "tenant_id")
    search_fields = ("=intent__id",)
    exclude = ("vector",)
    show_full_result_count = False
    paginator = BoundedCountPaginator

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        status = index_status()
        self.message_user(
            request,
            f"Coverage: {status['indexed']} of {status['total_intents']} intents indexed "
            f"({status['indexed_pct']} %), {status['stale']} stale; active model "
            f"{status['active_model']}, last {status['last_model'] or 'none'}.",
            messages.INFO,
        )
        return super().changelist_view(request, extra_context)
