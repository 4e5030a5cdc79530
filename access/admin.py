"""Operator console for API keys: listed by prefix, revocable; hashes are never shown."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse

from access.models import ApiKey
from access.services import api_key_revoke
from interfaces.console import confirm_selected, operator


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    list_display = (
        "key_prefix",
        "role",
        "actor",
        "tenant",
        "scopes",
        "source",
        "created_at",
        "expires_at",
        "revoked_at",
    )
    list_filter = ("role", "source", "tenant")
    search_fields = ("=key_prefix", "actor", "tenant")
    exclude = ("key_hash",)
    raw_id_fields = ("rotated_from",)
    actions = ["revoke"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Keys come from CONVERGE_API_KEYS or a rotation, the only places a key is shown once.
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # A deleted env key would be seeded again at the next start; revoke instead.
        return False

    def has_revoke_apikey_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("access.revoke_apikey")

    @admin.action(description="Revoke the selected keys now", permissions=["revoke_apikey"])
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiKey]) -> HttpResponse | None:
        reason = confirm_selected(self, request, queryset, title="Revoke API keys")
        if isinstance(reason, HttpResponse):
            return reason
        actor = operator(request)
        keys = [
            api_key_revoke(key_id=key_id, actor=actor, reason=reason)
            for key_id in queryset.values_list("pk", flat=True)
        ]
        self.message_user(
            request,
            f"Revoked {len(keys)} key(s): {', '.join(k.key_prefix + '…' for k in keys)}",
            messages.SUCCESS,
        )
        return None
