"""Admin of coherence suggestions: review them and accept one into the harness file."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from converge_core.errors import ConvergeError
from harness.models import CoherenceSuggestion
from harness.suggestions import coherence_accept


@admin.register(CoherenceSuggestion)
class CoherenceSuggestionAdmin(admin.ModelAdmin):
    list_display = ("id", "question_id", "type", "status", "updated_at", "accepted_by")
    list_filter = ("status", "type")
    readonly_fields = (
        "id",
        "type",
        "question",
        "counts",
        "status",
        "created_at",
        "updated_at",
        "accepted_at",
        "accepted_by",
    )
    actions = ["accept"]

    @admin.display(description="question")
    def question_id(self, row: CoherenceSuggestion) -> Any:
        return row.question.get("id")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_accept_suggestion_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("harness.accept_suggestion")

    @admin.action(
        description="Accept: add the question to the harness file",
        permissions=["accept_suggestion"],
    )
    def accept(self, request: HttpRequest, queryset: QuerySet[CoherenceSuggestion]) -> None:
        for row in queryset:
            try:
                coherence_accept(suggestion_id=row.id, actor=f"admin:{request.user.get_username()}")
            except ConvergeError as exc:
                self.message_user(request, f"{row.id}: {exc.message}", messages.ERROR)
            else:
                self.message_user(request, f"{row.id}: accepted", messages.SUCCESS)
