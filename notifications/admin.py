"""Operator console for the notifications outbox: read-only, as the event log it feeds."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from interfaces.console import BoundedCountPaginator
from notifications.models import Delivery


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ("id", "event_type", "channel", "status", "attempts", "created_at")
    list_filter = ("status", "channel")
    search_fields = ("id", "event_type", "intent_id")
    show_full_result_count = False
    paginator = BoundedCountPaginator
    readonly_fields = [field.name for field in Delivery._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
