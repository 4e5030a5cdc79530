"""Operator console for feature flags: every flag with its state, and runtime toggles."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse

from converge_core.errors import ConvergeError
from converge_core.flags import FLAGS
from flags.models import FlagOverride
from flags.selectors import flag_list
from flags.services import flag_clear, flag_set
from interfaces.console import confirmation, operator

# operations that turn a flag off or drop an operator's override: confirmed, with a reason
DANGEROUS = ("disable", "clear")


@admin.register(FlagOverride)
class FlagOverrideAdmin(admin.ModelAdmin):
    """The changelist shows all flags (overridden or not); toggles call the flag services.

    There is no change form: a row edited in place would skip the event and forge its
    ``set_by``. Toggling takes the ``flags.toggle_flag`` permission.
    """

    change_list_template = "admin/flags/flagoverride/change_list.html"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_toggle_flag_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("flags.toggle_flag")

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_urls(self) -> list[URLPattern]:
        toggle = path(
            "toggle/",
            self.admin_site.admin_view(self.toggle_view),
            name="flags_flagoverride_toggle",
        )
        return [toggle, *super().get_urls()]

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        overrides = {row.name: row for row in FlagOverride.objects.all()}
        rows = [
            {
                "state": state,
                "modes": FLAGS[state.name].modes,
                "override": overrides.get(state.name),
            }
            for state in flag_list()
        ]
        context = {
            **self.admin_site.each_context(request),
            "title": "Feature flags",
            "opts": self.model._meta,
            "rows": rows,
            "can_toggle": self.has_toggle_flag_permission(request),
            **(extra_context or {}),
        }
        return TemplateResponse(request, self.change_list_template, context)

    def toggle_view(self, request: HttpRequest) -> HttpResponse:
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not self.has_toggle_flag_permission(request):
            raise PermissionDenied
        name = request.POST.get("flag", "")
        operation = request.POST.get("operation", "")
        reason = ""
        if operation in DANGEROUS:
            confirmed = confirmation(
                request,
                title=f"{operation.capitalize()} flag {name}",
                objects=[name],
                action_label=f"{operation.capitalize()} {name}",
                each_context=self.admin_site.each_context(request),
                opts=self.model._meta,
            )
            if isinstance(confirmed, HttpResponse):
                return confirmed
            reason = confirmed
        actor = operator(request)
        try:
            if operation == "enable":
                state = flag_set(name=name, enabled=True, actor=actor)
            elif operation == "disable":
                state = flag_set(name=name, enabled=False, actor=actor, reason=reason)
            elif operation == "mode":
                state = flag_set(name=name, mode=request.POST.get("mode", ""), actor=actor)
            elif operation == "clear":
                state = flag_clear(name=name, actor=actor, reason=reason)
            else:
                raise ConvergeError(f"Unknown operation {operation!r}")
        except ConvergeError as exc:
            self.message_user(request, f"{name}: {exc.message}", messages.ERROR)
        else:
            mode = f", mode {state.mode}" if state.mode else ""
            enabled = "enabled" if state.enabled else "disabled"
            self.message_user(
                request, f"{name}: {enabled}{mode} (source {state.source})", messages.SUCCESS
            )
        return HttpResponseRedirect(reverse("admin:flags_flagoverride_changelist"))
