"""Operator console for security: findings (filters, a link to the intent, dismissal with a
reason through the service, so the event is recorded), scans (read-only) and the security part
of the intent page (its findings, read-only)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html

from converge_core.errors import ConvergeError
from intents.models import Intent
from interfaces.console import BoundedCountPaginator, indexed_values_filter
from security.models import SecurityFinding, SecurityScan
from security.services import finding_dismiss


class ReadOnly:
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class DismissActionForm(ActionForm):
    reason = forms.CharField(required=False, label="Reason")


@admin.register(SecurityFinding)
class SecurityFindingAdmin(ReadOnly, admin.ModelAdmin):
    list_display = (
        "id",
        "severity",
        "category",
        "scanner",
        "rule",
        "file",
        "line",
        "status",
        "intent_link",
        "tenant_id",
        "last_seen_at",
    )
    list_filter = (
        "severity",
        "category",
        indexed_values_filter("scanner", "scanner"),
        "status",
        indexed_values_filter("tenant_id", "tenant"),
    )
    search_fields = ("=id", "intent__id", "rule", "file", "fingerprint")
    ordering = ("-last_seen_at",)
    show_full_result_count = False
    paginator = BoundedCountPaginator
    action_form = DismissActionForm
    actions = ["dismiss"]

    @admin.display(description="Intent", ordering="intent_id")
    def intent_link(self, finding: SecurityFinding) -> str:
        if finding.intent_id is None:
            return "-"
        url = reverse("admin:intents_intent_change", args=[finding.intent_id])
        return format_html('<a href="{}">{}</a>', url, finding.intent_id)

    def has_dismiss_finding_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("security.dismiss_finding")

    @admin.action(description="Dismiss with the reason given", permissions=["dismiss_finding"])
    def dismiss(self, request: HttpRequest, queryset: QuerySet[SecurityFinding]) -> None:
        reason = request.POST.get("reason", "").strip()
        if not reason:
            self.message_user(request, "Give a reason to dismiss with.", messages.ERROR)
            return
        actor = f"admin:{request.user.get_username()}"
        done = 0
        for finding_id in queryset.values_list("id", flat=True):
            try:
                finding_dismiss(finding_id=finding_id, reason=reason, actor=actor)
                done += 1
            except ConvergeError as exc:
                self.message_user(request, f"{finding_id}: {exc.message}", messages.ERROR)
        if done:
            self.message_user(request, f"Dismissed {done} finding(s).", messages.SUCCESS)


@admin.register(SecurityScan)
class SecurityScanAdmin(ReadOnly, admin.ModelAdmin):
    list_display = (
        "id",
        "status",
        "trigger",
        "intent",
        "ref",
        "files_scanned",
        "total_findings",
        "duration_ms",
        "tenant_id",
        "created_at",
    )
    list_filter = ("status", "trigger", indexed_values_filter("tenant_id", "tenant"))
    search_fields = ("=id", "intent__id", "tree_sha")
    ordering = ("-created_at",)
    show_full_result_count = False
    paginator = BoundedCountPaginator


class IntentFindingsInline(ReadOnly, admin.TabularInline):
    """The intent page's security part: its findings, most recent first."""

    model = SecurityFinding
    fk_name = "intent"
    fields = ("severity", "category", "scanner", "rule", "file", "line", "status", "message")
    readonly_fields = fields
    ordering = ("-last_seen_at",)
    extra = 0
    verbose_name_plural = "Security findings"


# The intents app knows nothing of security; its admin page gets the findings inline from here.
_intent_admin = admin.site._registry.get(Intent)
if _intent_admin is not None and IntentFindingsInline not in _intent_admin.inlines:
    type(_intent_admin).inlines = (*_intent_admin.inlines, IntentFindingsInline)
