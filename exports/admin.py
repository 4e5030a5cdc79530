"""Exporting decisions from the admin console: select intents (filters, search, date), then
download their records as CSV or JSON lines, streamed like the API's export."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest, StreamingHttpResponse

from exports.dataset import CONTENT_TYPES, DatasetFilter
from exports.models import DecisionRecord
from exports.services import export_stream
from interfaces.console import BoundedCountPaginator, recent_filter


def _download(
    request: HttpRequest, queryset: QuerySet[DecisionRecord], fmt: str
) -> StreamingHttpResponse:
    scope = DatasetFilter(intent_ids=tuple(queryset.values_list("pk", flat=True)))
    response = StreamingHttpResponse(
        export_stream(fmt=fmt, scope=scope, actor=f"admin:{request.user.get_username()}"),
        content_type=CONTENT_TYPES[fmt],
    )
    response["Content-Disposition"] = f"attachment; filename=decisions.{fmt}"
    return response


@admin.register(DecisionRecord)
class DecisionExportAdmin(admin.ModelAdmin):
    list_display = ("id", "status", "risk_level", "source", "target", "tenant_id", "created_at")
    search_fields = ("id", "source")
    list_filter = (
        "status",
        "risk_level",
        "tenant_id",
        "repository",
        recent_filter("created_at", "created"),
    )
    show_full_result_count = False
    paginator = BoundedCountPaginator
    actions = ["export_csv", "export_jsonl"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_export_decisions_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("exports.export_decisions")

    @admin.action(
        description="Export the selected decisions as CSV", permissions=["export_decisions"]
    )
    def export_csv(
        self, request: HttpRequest, queryset: QuerySet[DecisionRecord]
    ) -> StreamingHttpResponse:
        return _download(request, queryset, "csv")

    @admin.action(
        description="Export the selected decisions as JSON lines", permissions=["export_decisions"]
    )
    def export_jsonl(
        self, request: HttpRequest, queryset: QuerySet[DecisionRecord]
    ) -> StreamingHttpResponse:
        return _download(request, queryset, "jsonl")
