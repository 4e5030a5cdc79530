"""What every page of the operator console (the Django admin) shares: the operator as an
actor, the confirmation step of dangerous actions and the way back to the page acted from.

Admin code stays thin: an action checks its permission (Django filters actions by their
``permissions``), asks :func:`confirmation` for a reason when it is dangerous, calls one
service with :func:`operator` as the actor and reports through messages.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from functools import cached_property
from typing import Any

from django import forms
from django.contrib import admin
from django.core.paginator import Paginator
from django.db import connection
from django.db.models import Field, Model, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.utils import timezone
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


# -- changelists over big tables ---------------------------------------------------------------

# rows a changelist counts at most: past this the page says "10,000" and the operator narrows
COUNT_CAP = 10_000


class BoundedCountPaginator(Paginator):
    """Counts at most :data:`COUNT_CAP` rows (``COUNT`` over a ``LIMIT``), so a changelist of
    millions of rows costs what one of ten thousand does; pages past the cap are not offered."""

    @cached_property
    def count(self) -> int:
        queryset = self.object_list
        if not isinstance(queryset, QuerySet):
            return len(queryset)
        return int(queryset.order_by()[:COUNT_CAP].count())


# (parameter value, label, how far back) of :func:`recent_filter`
_WINDOWS = (
    ("1h", "Last hour", timedelta(hours=1)),
    ("24h", "Last 24 hours", timedelta(days=1)),
    ("7d", "Last 7 days", timedelta(days=7)),
    ("30d", "Last 30 days", timedelta(days=30)),
)


def recent_filter(field: str, title: str) -> type[admin.SimpleListFilter]:
    """A list filter of fixed windows back from now on ``field``: a range on its index, where
    Django's ``date_hierarchy`` reads every row's date to draw its links."""

    class RecentFilter(admin.SimpleListFilter):
        parameter_name = f"{field}_within"

        def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
            return [(value, label) for value, label, _ in _WINDOWS]

        def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
            for value, _, back in _WINDOWS:
                if self.value() == value:
                    return queryset.filter(**{f"{field}__gte": timezone.now() - back})
            return queryset

    RecentFilter.title = title
    return RecentFilter


def distinct_values(model: type[Model], field: str, *, limit: int) -> list[Any]:
    """The distinct non-null values of an indexed ``field`` (at most ``limit``, in order), by
    one index probe per value: a recursive walk up the index, where ``SELECT DISTINCT`` (what
    a field's list filter asks) reads every row."""
    table = connection.ops.quote_name(model._meta.db_table)
    concrete = model._meta.get_field(field)
    assert isinstance(concrete, Field) and concrete.column, field
    column = connection.ops.quote_name(concrete.column)
    sql = (
        f"WITH RECURSIVE walk(value) AS ("
        f"SELECT MIN({column}) FROM {table} "
        f"UNION ALL SELECT (SELECT MIN({column}) FROM {table} WHERE {column} > walk.value) "
        f"FROM walk WHERE walk.value IS NOT NULL"
        f") SELECT value FROM walk WHERE value IS NOT NULL LIMIT %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [limit])
        return [row[0] for row in cursor.fetchall()]


# values an indexed-values filter offers at most
VALUES_LISTED = 100


def indexed_values_filter(field: str, title: str) -> type[admin.SimpleListFilter]:
    """A list filter of the values of ``field``, which must lead an index of the model: read
    by :func:`distinct_values`, so it costs one probe per value however many rows there are."""

    class IndexedValuesFilter(admin.SimpleListFilter):
        parameter_name = field

        def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
            values = distinct_values(model_admin.model, field, limit=VALUES_LISTED)
            return [(str(value), str(value)) for value in values]

        def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
            if self.value():
                return queryset.filter(**{field: self.value()})
            return queryset

    IndexedValuesFilter.title = title
    return IndexedValuesFilter
