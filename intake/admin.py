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
from intake.selectors import intake_overview
from intake.services import intake_mode_set
from interfaces.console import confirmation, operator

# the mode that turns work away: confirmed before it is set
DANGEROUS_MODE = "pause"


class IntakeModeForm(forms.Form):
    tenant_id = forms.CharField(required=False, help_text="empty = every tenant")
    mode = forms.ChoiceField(choices=[(mode, mode) for mode in SETTABLE_MODES])
    reason = forms.CharField(max_length=500)


@admin.register(IntakeOverride)
class IntakeOverrideAdmin(admin.ModelAdmin):
    """The changelist is the intake status of every tenant with a form to change a mode.

    There is no change form: a row edited in place would skip the event and forge its
    ``set_by``. Setting a mode takes the ``intake.set_intake`` permission.
    """

    change_list_template = "admin/intake/intakeoverride/change_list.html"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_set_intake_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("intake.set_intake")

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
        rows = intake_overview()
        context = {
            **self.admin_site.each_context(request),
            "title": "Intake modes",
            "opts": self.model._meta,
            "rows": rows,
            "form": IntakeModeForm(),
            "can_set": self.has_set_intake_permission(request),
            **(extra_context or {}),
        }
        return TemplateResponse(request, self.change_list_template, context)

    def set_mode_view(self, request: HttpRequest) -> HttpResponse:
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not self.has_set_intake_permission(request):
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
            if form.cleaned_data["mode"] == DANGEROUS_MODE and not request.POST.get("confirmed"):
                return self._confirm_pause(request, tenant_id)
            try:
                result = intake_mode_set(
                    mode=form.cleaned_data["mode"],
                    tenant_id=tenant_id,
                    reason=form.cleaned_data["reason"],
                    actor=operator(request),
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

    def _confirm_pause(self, request: HttpRequest, tenant_id: str | None) -> HttpResponse:
        """Pausing turns every new intent away: one more look before it applies (the reason
        given is kept, and may be changed on the confirmation page)."""
        confirmed = confirmation(
            request,
            title=f"Pause intake of {tenant_id or 'every tenant'}",
            objects=[tenant_id or "(every tenant)"],
            action_label="Pause intake",
            each_context=self.admin_site.each_context(request),
            opts=self.model._meta,
        )
        assert isinstance(confirmed, HttpResponse)
        return confirmed
