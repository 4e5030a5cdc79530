"""Operator console for intake: the mode in force per tenant, changed with a reason."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse

from converge_core.errors import ConvergeError
from converge_core.intake import SETTABLE_MODES
from intake.models import IntakeOverride
from intake.selectors import intake_status, intake_tenants
from intake.services import intake_mode_set


class IntakeModeForm(forms.Form):
    tenant_id = forms.CharField(required=False, help_text="empty = every tenant")
    mode = forms.ChoiceField(choices=[(mode, mode) for mode in SETTABLE_MODES])
    reason = forms.CharField(max_length=500)


@admin.register(IntakeOverride)
class IntakeOverrideAdmin(admin.ModelAdmin):
    """The changelist is the intake status of every tenant with a form to change a mode."""

    change_list_template = "admin/intake/intakeoverride/change_list.html"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_urls(self) -> list[URLPattern]:
        set_mode = path(
            "set-mode/",
            self.admin_site.admin_view(self.set_mode_view),
            name="intake_intakeoverride_set_mode",
        )
        return [set_mode, *super().get_urls()]

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        rows = [intake_status(tenant_id=tenant) for tenant in intake_tenants()]
        context = {
            **self.admin_site.each_context(request),
            "title": "Intake modes",
            "opts": self.model._meta,
            "rows": rows,
            "form": IntakeModeForm(),
            "can_change": self.has_change_permission(request),
            **(extra_context or {}),
        }
        return TemplateResponse(request, self.change_list_template, context)

    def set_mode_view(self, request: HttpRequest) -> HttpResponse:
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not self.has_change_permission(request):
            raise PermissionDenied
        form = IntakeModeForm(request.POST)
        if not form.is_valid():
            errors = "; ".join(
                f"{field}: {' '.join(str(e) for e in problems)}"
                for field, problems in form.errors.items()
            )
            self.message_user(request, f"Mode not changed: {errors}", messages.ERROR)
        else:
            tenant_id = form.cleaned_data["tenant_id"].strip() or None
            try:
                result = intake_mode_set(
                    mode=form.cleaned_data["mode"],
                    tenant_id=tenant_id,
                    reason=form.cleaned_data["reason"],
                    actor=f"admin:{request.user.get_username()}",
                )
            except ConvergeError as exc:
                self.message_user(request, f"Mode not changed: {exc.message}", messages.ERROR)
            else:
                self.message_user(
                    request,
                    f"Intake of {tenant_id or 'every tenant'} set to {result['mode']}.",
                    messages.SUCCESS,
                )
        return HttpResponseRedirect(reverse("admin:intake_intakeoverride_changelist"))
