"""Operator console for review tasks: lists by status and SLA, actions that call the services."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html

from converge_core.errors import ConvergeError
from converge_core.reviews import OPEN, RESOLUTIONS
from interfaces.console import (
    BoundedCountPaginator,
    back,
    confirm_selected,
    indexed_values_filter,
    operator,
    recent_filter,
)
from reviews.models import ReviewTask
from reviews.services import review_assign, review_cancel, review_complete, review_escalate


class ReviewActionForm(ActionForm):
    """The action bar's extra inputs: who to assign, how to resolve, and why."""

    reviewer = forms.CharField(required=False, label="Reviewer")
    resolution = forms.ChoiceField(
        required=False, choices=[("", "resolution"), *((r, r) for r in RESOLUTIONS)]
    )
    note = forms.CharField(required=False, label="Reason / notes")


class SlaFilter(admin.SimpleListFilter):
    title = "SLA"
    parameter_name = "sla"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("overdue", "Overdue"), ("due24h", "Due within 24 h"), ("ok", "On time")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[ReviewTask]) -> Any:
        now = timezone.now()
        open_tasks = queryset.filter(status__in=OPEN)
        if self.value() == "overdue":
            return open_tasks.filter(sla_deadline__lt=now)
        if self.value() == "due24h":
            return open_tasks.filter(sla_deadline__gte=now, sla_deadline__lt=now + timedelta(1))
        if self.value() == "ok":
            return open_tasks.filter(sla_deadline__gte=now)
        return queryset


# decisions that stop an intent or drop a review: confirmed, with a reason
DANGEROUS_RESOLUTIONS = ("rejected",)


@admin.register(ReviewTask)
class ReviewTaskAdmin(admin.ModelAdmin):
    """Review tasks move only through the review services; every action takes
    ``reviews.decide_review`` and records the operator as the actor."""

    list_display = (
        "id",
        "intent_link",
        "status",
        "reviewer",
        "risk_level",
        "priority",
        "trigger",
        "sla_deadline",
        "sla",
        "escalation_level",
        "resolution",
        "decided_by",
        "tenant_id",
        "created_at",
    )
    list_select_related = ("intent",)
    list_filter = (
        "status",
        SlaFilter,
        "risk_level",
        "trigger",
        "resolution",
        indexed_values_filter("tenant_id", "tenant"),
        recent_filter("created_at", "created"),
    )
    search_fields = ("=id", "intent__id", "reviewer")
    raw_id_fields = ("intent",)
    ordering = ("priority", "created_at")
    show_full_result_count = False
    paginator = BoundedCountPaginator
    action_form = ReviewActionForm
    actions = ["assign", "complete", "escalate", "cancel"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Reviews are requested through the CLI, the API or the pipeline so events apply.
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_decide_review_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("reviews.decide_review")

    @admin.display(description="intent", ordering="intent_id")
    def intent_link(self, task: ReviewTask) -> str:
        url = reverse("admin:intents_intent_change", args=[task.intent_id])
        return format_html('<a href="{}">{}</a>', url, task.intent_id)

    @admin.display(description="SLA", ordering="sla_deadline")
    def sla(self, task: ReviewTask) -> str:
        """``overdue`` (in red) only for an open task past its deadline; a closed task has
        no SLA left to miss."""
        if task.status not in OPEN:
            return "—"
        if task.sla_deadline < timezone.now():
            return format_html(
                '<strong class="sla-overdue" style="color:#ba2121">{}</strong>', "overdue"
            )
        return format_html('<span class="sla-ok">{}</span>', "on time")

    def _apply(
        self,
        request: HttpRequest,
        queryset: QuerySet[ReviewTask],
        verb: str,
        call: Callable[[str, str], Any],
    ) -> None:
        actor = operator(request)
        done = 0
        for task_id in queryset.values_list("id", flat=True):
            try:
                call(task_id, actor)
                done += 1
            except ConvergeError as exc:
                self.message_user(request, f"{task_id}: {exc.message}", messages.ERROR)
        if done:
            self.message_user(request, f"{verb} {done} review(s).", messages.SUCCESS)

    @admin.action(description="Assign to the reviewer given", permissions=["decide_review"])
    def assign(self, request: HttpRequest, queryset: QuerySet[ReviewTask]) -> None:
        reviewer = request.POST.get("reviewer", "").strip()
        if not reviewer:
            self.message_user(request, "Give a reviewer to assign to.", messages.ERROR)
            return
        self._apply(
            request,
            queryset,
            "Assigned",
            lambda task_id, actor: review_assign(task_id=task_id, reviewer=reviewer, actor=actor),
        )

    @admin.action(
        description="Complete with the resolution given (rejected asks for a reason)",
        permissions=["decide_review"],
    )
    def complete(self, request: HttpRequest, queryset: QuerySet[ReviewTask]) -> HttpResponse | None:
        resolution = request.POST.get("resolution", "")
        if resolution not in RESOLUTIONS:
            self.message_user(request, "Choose a resolution to complete with.", messages.ERROR)
            return None
        notes = request.POST.get("note", "")
        if resolution in DANGEROUS_RESOLUTIONS:
            confirmed = confirm_selected(self, request, queryset, title="Reject reviewed intents")
            if isinstance(confirmed, HttpResponse):
                return confirmed
            notes = f"{notes}\n{confirmed}".strip() if notes else confirmed
        self._apply(
            request,
            queryset,
            "Completed",
            lambda task_id, actor: review_complete(
                task_id=task_id, resolution=resolution, notes=notes, actor=actor
            ),
        )
        return back(request)

    @admin.action(description="Escalate", permissions=["decide_review"])
    def escalate(self, request: HttpRequest, queryset: QuerySet[ReviewTask]) -> None:
        reason = request.POST.get("note", "") or "manual_escalation"
        self._apply(
            request,
            queryset,
            "Escalated",
            lambda task_id, actor: review_escalate(task_id=task_id, reason=reason, actor=actor),
        )

    @admin.action(description="Cancel (asks for a reason)", permissions=["decide_review"])
    def cancel(self, request: HttpRequest, queryset: QuerySet[ReviewTask]) -> HttpResponse | None:
        reason = confirm_selected(self, request, queryset, title="Cancel reviews")
        if isinstance(reason, HttpResponse):
            return reason
        self._apply(
            request,
            queryset,
            "Cancelled",
            lambda task_id, actor: review_cancel(task_id=task_id, reason=reason, actor=actor),
        )
        return back(request)
