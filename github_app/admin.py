"""Operator console for the GitHub App: read-only, like the audit tables it sits beside."""

from __future__ import annotations

from django.contrib import admin

from github_app.models import CheckRun, GithubRepository, Installation, WebhookDelivery
from interfaces.console import BoundedCountPaginator
from ledger.admin import ReadOnlyAdmin


@admin.register(Installation)
class InstallationAdmin(ReadOnlyAdmin):
    list_display = ("installation_id", "account", "created_at", "removed_at")
    search_fields = ("=installation_id", "account")


@admin.register(GithubRepository)
class GithubRepositoryAdmin(ReadOnlyAdmin):
    list_display = ("full_name", "installation_id", "default_branch", "last_fetched_at")
    list_select_related = ("repository",)
    search_fields = ("full_name",)


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnlyAdmin):
    list_display = ("delivery_id", "event", "action", "status", "attempts", "received_at")
    list_filter = ("status", "event")
    search_fields = ("=delivery_id",)
    show_full_result_count = False
    paginator = BoundedCountPaginator


@admin.register(CheckRun)
class CheckRunAdmin(ReadOnlyAdmin):
    list_display = ("full_name", "head_sha", "intent_id", "decision", "status", "check_run_id")
    list_filter = ("status", "decision")
    search_fields = ("=head_sha", "=intent_id", "full_name")
    show_full_result_count = False
    paginator = BoundedCountPaginator
