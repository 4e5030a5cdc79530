"""The security API: findings, their counts, scans, the summary, a scan request and a
dismissal.

A tenant-bound key sees only its tenant's scans and findings; another tenant's answers 404
like an unknown one (interfaces §2.3). A scan request is planned at once (a bad path or an
unknown intent is refused then) and runs on the ``security`` queue.
"""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from access.apibase import ConvergeAPIView, parse_body, parse_query
from access.tenancy import create_tenant, object_tenant
from intents.api.filters import TenantFilter
from security.api import filters, permissions
from security.api import serializers as s
from security.selectors import finding_counts, finding_list, scan_get, scan_list, security_summary
from security.serialization import finding_serialize, scan_serialize
from security.services import finding_dismiss, scan_queue

SCAN_ID = OpenApiParameter("scan_id", OpenApiTypes.STR, OpenApiParameter.PATH)
FINDING_ID = OpenApiParameter("finding_id", OpenApiTypes.STR, OpenApiParameter.PATH)


class FindingListView(ConvergeAPIView):
    access = {"GET": permissions.SECURITY_READ}

    @extend_schema(
        summary="Security findings, newest first (open ones unless a status is given)",
        parameters=[filters.FindingListFilter],
        responses=s.FindingListSerializer,
    )
    def get(self, request: Request) -> Response:
        query = parse_query(request, filters.FindingListFilter)
        findings = finding_list(
            intent_id=query.get("intent_id"),
            scanner=query.get("scanner"),
            severity=query.get("severity"),
            category=query.get("category"),
            status=query.get("status"),
            tenant_id=self.query_tenant(query),
            limit=query["limit"],
        )
        rows = [finding_serialize(finding) for finding in findings]
        return Response({"findings": rows, "total": len(rows)})


class FindingCountsView(ConvergeAPIView):
    access = {"GET": permissions.SECURITY_READ}

    @extend_schema(
        summary="Open findings by severity",
        parameters=[filters.FindingCountsFilter],
        responses=s.FindingCountsSerializer,
    )
    def get(self, request: Request) -> Response:
        query = parse_query(request, filters.FindingCountsFilter)
        return Response(
            finding_counts(intent_id=query.get("intent_id"), tenant_id=self.query_tenant(query))
        )


class FindingDismissView(ConvergeAPIView):
    access = {"POST": permissions.SECURITY_WRITE}

    @extend_schema(
        summary="Dismiss a finding with a reason (recorded; later scans keep it dismissed)",
        parameters=[FINDING_ID],
        request=s.DismissSerializer,
        responses=s.FindingSerializer,
    )
    def post(self, request: Request, finding_id: str) -> Response:
        data = parse_body(request, s.DismissSerializer)
        finding = finding_dismiss(
            finding_id=finding_id,
            reason=data["reason"],
            actor=self.principal.actor,
            tenant_id=object_tenant(self.principal),
        )
        return Response(finding_serialize(finding))


class ScanListView(ConvergeAPIView):
    access = {"GET": permissions.SECURITY_READ}

    @extend_schema(
        summary="Scan history, newest first",
        parameters=[filters.ScanListFilter],
        responses=s.ScanListSerializer,
    )
    def get(self, request: Request) -> Response:
        query = parse_query(request, filters.ScanListFilter)
        scans = scan_list(
            intent_id=query.get("intent_id"),
            tenant_id=self.query_tenant(query),
            limit=query["limit"],
        )
        rows = [scan_serialize(scan) for scan in scans]
        return Response({"scans": rows, "total": len(rows)})


class ScanDetailView(ConvergeAPIView):
    access = {"GET": permissions.SECURITY_READ}

    @extend_schema(
        summary="One scan",
        operation_id="security_scan_get",
        parameters=[SCAN_ID],
        responses=s.ScanSerializer,
    )
    def get(self, request: Request, scan_id: str) -> Response:
        return Response(scan_serialize(scan_get(scan_id, tenant_id=object_tenant(self.principal))))


class ScanRequestView(ConvergeAPIView):
    access = {"POST": permissions.SECURITY_WRITE}

    @extend_schema(
        summary="Queue a security scan on the security queue",
        description=(
            "With `intent_id`: the files the intent changes, as they are in its merged tree; "
            "without: the target branch head of the repository. `path` narrows the scan to a "
            "path inside that tree. Answers the queued scan; `GET /v1/security/scans/{scan_id}` "
            "follows it."
        ),
        request=s.ScanRequestSerializer,
        responses=s.ScanSerializer,
    )
    def post(self, request: Request) -> Response:
        data = parse_body(request, s.ScanRequestSerializer)
        tenant_id = create_tenant(self.principal, data.get("tenant_id") or None)
        scan = scan_queue(
            intent_id=data.get("intent_id"),
            path=data["path"],
            tenant_id=tenant_id,
            actor=self.principal.actor,
        )
        return Response(scan_serialize(scan))


class SecuritySummaryView(ConvergeAPIView):
    access = {"GET": permissions.SECURITY_READ}

    @extend_schema(
        summary="Open findings by severity and the latest scans",
        parameters=[TenantFilter],
        responses=s.SecuritySummarySerializer,
    )
    def get(self, request: Request) -> Response:
        query = parse_query(request, TenantFilter)
        return Response(security_summary(tenant_id=self.query_tenant(query)))
