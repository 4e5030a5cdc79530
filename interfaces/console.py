"""What every page of the operator console (the Django admin) shares: the operator as an
actor, the confirmation step of dangerous actions and the way back to the page acted from.

Admin code stays thin: an action checks its permission (Django filters actions by their
``permissions``), asks :func:`confirmation` for a reason when it is dangerous, calls one
service with :func:`operator` as the actor and reports through messages.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.utils.http import url_has_allowed_host_and_scheme

CONFIRM_TEMPLATE = "admin/console/confirm.html"
# what the confirmation page does not carry over from the request it confirms
_NOT_CARRIED = ("csrfmiddlewaretoken", "reason", "confirmed")


def operator(request: HttpRequest) -> str:
    """The actor of everything an operator does in the console: ``admin:<username>``."""
    return f"admin:{request.user.get_username()}"


class ReasonForm(forms.Form):
    reason = forms.CharField(
        max_length=500,
        strip=True,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text="Recorded in the event with your name.",
    )


def confirmation(
    request: HttpRequest,
    *,
    title: str,
    objects: Iterable[Any],
    action_label: str,
    each_context: dict[str, Any],
    opts: Any,
) -> str | HttpResponse:
    """The reason an operator confirmed this request with, or the confirmation page to show.

    The page posts the same fields back (the action, the selected rows, the action bar's
    inputs) with ``confirmed`` and the reason; anything else shows the page again.
    """
    form = ReasonForm(
        request.POST if request.POST.get("confirmed") else None,
        initial={"reason": request.POST.get("reason", "")},
    )
    if form.is_valid():
        return str(form.cleaned_data["reason"])
    hidden = [
        (name, value)
        for name, values in request.POST.lists()
        if name not in _NOT_CARRIED
        for value in values
    ]
    context = {
        **each_context,
        "title": title,
        "objects": [str(obj) for obj in objects],
        "form": form,
        "hidden": hidden,
        "action_label": action_label,
        "opts": opts,
        "post_url": request.get_full_path(),
    }
    return TemplateResponse(request, CONFIRM_TEMPLATE, context)


def confirm_selected(
    model_admin: admin.ModelAdmin[Any], request: HttpRequest, queryset: Any, *, title: str
) -> str | HttpResponse:
    """:func:`confirmation` for a changelist action on the selected rows."""
    return confirmation(
        request,
        title=title,
        objects=queryset,
        action_label=title,
        each_context=model_admin.admin_site.each_context(request),
        opts=model_admin.model._meta,
    )


def back(request: HttpRequest) -> HttpResponse | None:
    """A redirect to the page the action was posted from (``next``), when it is ours."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return HttpResponseRedirect(target)
    return None
