"""``GET /v1/export/decisions``: the decision dataset, streamed (interfaces §1.3).

A tenant-bound key exports only its tenant's intents. Any ``fmt`` other than ``csv`` is JSON
lines, as the catalogue says.
"""

from __future__ import annotations

from django.http import StreamingHttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.request import Request

from access.apibase import ConvergeAPIView, parse_query
from exports.api.permissions import EXPORT_READ
from exports.dataset import CONTENT_TYPES, DatasetFilter
from exports.services import export_stream
from intents.api.filters import TenantFilter


class ExportFilter(TenantFilter):
    fmt = serializers.CharField(
        required=False,
        default="jsonl",
        max_length=16,
        trim_whitespace=False,
        help_text="`csv`, else JSON lines",
    )
    since = serializers.DateTimeField(
        required=False, help_text="intents created at or after this ISO-8601 time"
    )
    until = serializers.DateTimeField(
        required=False, help_text="intents created at or before this ISO-8601 time"
    )


class DecisionExportView(ConvergeAPIView):
    access = {"GET": EXPORT_READ}

    @extend_schema(
        summary="The decision dataset as JSON lines or CSV (streamed)",
        description=(
            "One record per intent with its latest simulation, risk evaluation and policy "
            "decision. CSV cells that a spreadsheet would read as a formula start with `'`."
        ),
        parameters=[ExportFilter],
        responses={
            (200, "application/x-ndjson"): OpenApiResponse(OpenApiTypes.STR),
            (200, "text/csv"): OpenApiResponse(OpenApiTypes.STR),
        },
    )
    def get(self, request: Request) -> StreamingHttpResponse:
        query = parse_query(request, ExportFilter)
        fmt = "csv" if query["fmt"] == "csv" else "jsonl"
        scope = DatasetFilter(
            tenant_id=self.query_tenant(query),
            since=query.get("since"),
            until=query.get("until"),
        )
        response = StreamingHttpResponse(
            export_stream(fmt=fmt, scope=scope, actor=self.principal.actor),
            content_type=CONTENT_TYPES[fmt],
        )
        response["Content-Disposition"] = f"attachment; filename=decisions.{fmt}"
        return response
