"""The verification debt, project health, compliance, metrics and dashboard API.

Every read is computed live and writes nothing (the beat records the snapshots the trends
read); reads are scoped to the caller's tenant (interfaces §2.3).
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from access.apibase import ConvergeAPIView, body_object, parse_body, parse_query
from access.tenancy import config_tenant
from insights.api import filters, permissions
from insights.api import serializers as s
from insights.compliance import (
    compliance_report,
    compliance_thresholds_list,
    stored_thresholds,
)
from insights.dashboard import dashboard, dashboard_alerts
from insights.debt import debt_snapshot
from insights.health import change_health_snapshot, repo_health_snapshot
from insights.metrics import integration_metrics
from insights.predictions import issue_predictions_read
from insights.services import compliance_thresholds_set
from insights.trends import change_health_trend, entropy_trend, health_trend
from intents.api.filters import INTENT_ID_REQUIRED, IntentRefFilter, TenantFilter
from intents.api.serializers import EventSerializer, OkTenantSerializer
from intents.selectors import event_list
from interfaces.exceptions import BadRequest
from ledger.serialization import event_serialize

THRESHOLD_HISTORY = 50


class VerificationDebtView(ConvergeAPIView):
    access = {"GET": permissions.PROJECT_READ}

    @extend_schema(
        summary="Verification debt: the 0-100 score, its five parts and its band",
        description="404 while the `verification_debt` flag is off.",
        parameters=[TenantFilter],
        responses=s.DebtSnapshotSerializer,
    )
    def get(self, request: Request) -> Response:
        query = parse_query(request, TenantFilter)
        return Response(debt_snapshot(tenant_id=self.query_tenant(query)))


class RepoHealthView(ConvergeAPIView):
    access = {"GET": permissions.PROJECT_READ}

    @extend_schema(
        summary="Repo health over the last 24 hours",
        parameters=[TenantFilter],
        responses=s.HealthSnapshotSerializer,
    )
    def get(self, request: Request) -> Response:
        query = parse_query(request, TenantFilter)
        return Response(repo_health_snapshot(tenant_id=self.query_tenant(query)))


class RepoHealthTrendView(ConvergeAPIView):
    access = {"GET": permissions.PROJECT_READ}

    @extend_schema(
        summary="Recorded repo health snapshots, newest first",
        parameters=[filters.TrendFilter],
        responses=s.HealthSnapshotSerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        query = parse_query(request, filters.TrendFilter)
        return Response(health_trend(tenant_id=self.query_tenant(query), days=query["days"]))


class ChangeHealthView(ConvergeAPIView):
    access = {"GET": permissions.PROJECT_READ}

    @extend_schema(
        summary="The health of one intent's change",
        parameters=[IntentRefFilter, INTENT_ID_REQUIRED],
        responses=s.ChangeHealthSerializer,
    )
    def get(self, request: Request) -> Response:
        query = parse_query(request, IntentRefFilter)
        if not query.get("intent_id"):
            raise BadRequest("intent_id required", field="intent_id")
        return Response(
            change_health_snapshot(intent_id=query["intent_id"], tenant_id=self.query_tenant(query))
        )


class ChangeHealthTrendView(ConvergeAPIView):
    access = {"GET": permissions.PROJECT_READ}

    @extend_schema(
        summary="Recorded change-health snapshots, newest first",
        parameters=[filters.TrendFilter],
        responses=s.ChangeHealthSerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        query = parse_query(request, filters.TrendFilter)
        return Response(change_health_trend(tenant_id=self.query_tenant(query), days=query["days"]))


class EntropyTrendView(ConvergeAPIView):
    access = {"GET": permissions.PROJECT_READ}

    @extend_schema(
        summary="Entropy of the recent risk evaluations, newest first",
        parameters=[filters.TrendFilter],
        responses=s.EntropyPointSerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        query = parse_query(request, filters.TrendFilter)
        return Response(entropy_trend(tenant_id=self.query_tenant(query), days=query["days"]))


class PredictionListView(ConvergeAPIView):
    access = {"GET": permissions.PROJECT_READ}

    @extend_schema(
        summary="Predicted issues: the last 24 hours against the 24 before",
        parameters=[TenantFilter],
        responses=s.PredictionSerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        query = parse_query(request, TenantFilter)
        return Response(issue_predictions_read(tenant_id=self.query_tenant(query)))


class ComplianceReportView(ConvergeAPIView):
    access = {"GET": permissions.COMPLIANCE_READ}

    @extend_schema(
        summary="Compliance checks over the last days against the tenant's thresholds",
        parameters=[TenantFilter],
        responses=s.ComplianceReportSerializer,
    )
    def get(self, request: Request) -> Response:
        query = parse_query(request, TenantFilter)
        return Response(compliance_report(tenant_id=self.query_tenant(query)))


class ComplianceAlertsView(ConvergeAPIView):
    access = {"GET": permissions.COMPLIANCE_READ}

    @extend_schema(
        summary="The failing compliance checks",
        parameters=[TenantFilter],
        responses=s.ComplianceAlertSerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        query = parse_query(request, TenantFilter)
        return Response(compliance_report(tenant_id=self.query_tenant(query))["alerts"])


class ComplianceThresholdsView(ConvergeAPIView):
    access = {"GET": permissions.COMPLIANCE_READ, "POST": permissions.COMPLIANCE_WRITE}

    @extend_schema(
        summary="Stored compliance thresholds per tenant",
        parameters=[TenantFilter],
        responses=s.ComplianceThresholdsSerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        query = parse_query(request, TenantFilter)
        tenant_id = self.query_tenant(query)
        if tenant_id is None:
            return Response(compliance_thresholds_list())
        stored = stored_thresholds(tenant_id)
        return Response([] if stored is None else [{**stored, "tenant_id": tenant_id}])

    @extend_schema(
        summary="Replace a tenant's compliance thresholds",
        description=(
            "Operators write their own tenant, admins any. Records `compliance.thresholds_updated`."
        ),
        parameters=[TenantFilter],
        request=s.ComplianceThresholdsWriteSerializer,
        responses=OkTenantSerializer,
    )
    def post(self, request: Request) -> Response:
        query = parse_query(request, TenantFilter)
        parse_body(request, s.ComplianceThresholdsWriteSerializer)
        data = body_object(request)
        tenant_id = config_tenant(
            self.principal, data.pop("tenant_id", None) or query.get("tenant_id")
        )
        return Response(
            compliance_thresholds_set(tenant_id=tenant_id, data=data, actor=self.principal.actor)
        )


class ComplianceThresholdsHistoryView(ConvergeAPIView):
    access = {"GET": permissions.COMPLIANCE_HISTORY}

    @extend_schema(
        summary="The latest threshold changes, newest first (operators)",
        parameters=[TenantFilter],
        responses=EventSerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        query = parse_query(request, TenantFilter)
        events = event_list(
            event_type="compliance.thresholds_updated",
            tenant_id=self.query_tenant(query),
            limit=THRESHOLD_HISTORY,
        )
        return Response([event_serialize(event) for event in events])


class IntegrationMetricsView(ConvergeAPIView):
    access = {"GET": permissions.METRICS_READ}

    @extend_schema(
        summary="Simulations, mergeable rate and decisions, all time",
        parameters=[TenantFilter],
        responses=s.IntegrationMetricsSerializer,
    )
    def get(self, request: Request) -> Response:
        query = parse_query(request, TenantFilter)
        return Response(integration_metrics(tenant_id=self.query_tenant(query)))


class DashboardView(ConvergeAPIView):
    access = {"GET": permissions.PROJECT_READ}

    @extend_schema(
        summary="Health, queue, compliance, debt, risk trend, predictions and metrics",
        parameters=[filters.DashboardFilter],
        responses=s.DashboardSerializer,
    )
    def get(self, request: Request) -> Response:
        query = parse_query(request, filters.DashboardFilter)
        return Response(
            dashboard(tenant_id=self.query_tenant(query), risk_trend_days=query["risk_trend_days"])
        )


class DashboardAlertsView(ConvergeAPIView):
    access = {"GET": permissions.COMPLIANCE_READ}

    @extend_schema(
        summary="Compliance alerts and issue predictions as one list",
        parameters=[TenantFilter],
        responses=s.DashboardAlertsSerializer,
    )
    def get(self, request: Request) -> Response:
        query = parse_query(request, TenantFilter)
        return Response(dashboard_alerts(tenant_id=self.query_tenant(query)))
