"""The intents API: intents, the queue read models, risk views and the event feeds.

Views parse input, call one service or selector scoped to the caller's tenant, and return
the shared serialised forms.
"""

from __future__ import annotations

import time
from typing import Any

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework.request import Request
from rest_framework.response import Response

from access.apibase import ConvergeAPIView, body_object, parse_body, parse_query
from access.projections import projection_response
from access.tenancy import config_tenant, create_tenant, object_tenant
from intents.api import filters, permissions
from intents.api import selectors as api_selectors
from intents.api import serializers as s
from intents.choices import OriginType
from intents.cleaning import clean_label
from intents.hooks import summary_sections
from intents.queue import default_target
from intents.queue.analytics import queue_analytics
from intents.queue.controls import queue_jump, queue_pause, queue_resume
from intents.queue.position import intent_queue_position, queue_list
from intents.repositories import repository_resolve
from intents.risk import risk_gate_report, risk_policy_set, risk_review
from intents.selectors import event_list, intent_get, intent_list
from intents.serialization import commit_link_serialize, intent_rows, intent_serialize
from intents.services import intent_create, intent_update
from intents.validation import ValidationOptions, intent_validate
from interfaces import metrics
from interfaces.exceptions import BadRequest
from interfaces.tracing import span
from ledger.serialization import event_serialize

INTENT_ID = OpenApiParameter(
    "intent_id",
    OpenApiTypes.STR,
    OpenApiParameter.PATH,
    description="intent id; may contain one '/' and ':' (acme/my.repo:pr-12)",
)


class IntentListView(ConvergeAPIView):
    access = {"GET": permissions.INTENTS_READ, "POST": permissions.INTENTS_WRITE}

    @extend_schema(
        summary="Intents in queue order",
        parameters=[filters.IntentListFilter],
        responses=s.IntentOutputSerializer(many=True),
    )
    def get(self, request: Request) -> HttpResponse:
        query = parse_query(request, filters.IntentListFilter)
        status, tenant_id, limit = query.get("status"), self.query_tenant(query), query["limit"]
        return projection_response(
            "intents",
            {"status": status, "tenant_id": tenant_id, "limit": limit},
            lambda: intent_rows(intent_list(status=status, tenant_id=tenant_id, limit=limit)),
        )

    @extend_schema(
        summary="Create a READY intent",
        request=s.IntentCreateSerializer,
        responses=s.IntentCreatedSerializer,
    )
    def post(self, request: Request) -> Response:
        # The service validates every field (intents.cleaning); the tenant is checked first
        # because the key's tenant rule applies to it.
        data = body_object(request)
        requested = clean_label(data.get("tenant_id"), "tenant_id")
        data["tenant_id"] = create_tenant(self.principal, requested)
        if data.get("origin_type") is None:
            data["origin_type"] = OriginType.API
        intent = intent_create(
            data=data,
            repository=repository_resolve(),
            actor=self.principal.actor,
            default_id_prefix="api",
            require_known_source=True,
        )
        return Response({"ok": True, "intent_id": intent.id, "status": intent.status})


class IntentDetailView(ConvergeAPIView):
    access = {"GET": permissions.INTENTS_READ, "PATCH": permissions.INTENTS_WRITE}

    @extend_schema(
        summary="One intent with its commit links",
        parameters=[INTENT_ID],
        responses=s.IntentDetailSerializer,
    )
    def get(self, request: Request, intent_id: str) -> Response:
        intent = intent_get(intent_id, tenant_id=object_tenant(self.principal))
        links = [commit_link_serialize(link) for link in intent.commit_links.all()]
        return Response(
            {
                **intent_serialize(intent),
                "commit_links": links,
                "queue": intent_queue_position(intent),
            }
        )

    @extend_schema(
        summary="Change an active intent's dependencies, priority or plan",
        parameters=[INTENT_ID],
        request=s.IntentUpdateSerializer,
        responses=s.IntentOutputSerializer,
    )
    def patch(self, request: Request, intent_id: str) -> Response:
        changes = body_object(request)
        intent_get(intent_id, tenant_id=object_tenant(self.principal))
        intent = intent_update(intent_id=intent_id, changes=changes, actor=self.principal.actor)
        return Response(intent_serialize(intent))


class IntentEventsView(ConvergeAPIView):
    access = {"GET": permissions.INTENTS_READ}

    @extend_schema(
        summary="An intent's events, newest first",
        parameters=[INTENT_ID, filters.IntentEventsFilter],
        responses=s.EventSerializer(many=True),
    )
    def get(self, request: Request, intent_id: str) -> Response:
        query = parse_query(request, filters.IntentEventsFilter)
        intent = intent_get(intent_id, tenant_id=object_tenant(self.principal))
        events = event_list(intent_id=intent.id, limit=query["limit"])
        return Response([event_serialize(event) for event in events])


class IntentValidateView(ConvergeAPIView):
    access = {"POST": permissions.INTENTS_WRITE}

    @extend_schema(
        summary="Run the validation pipeline",
        parameters=[INTENT_ID],
        request=s.IntentValidateSerializer,
        responses=s.ValidationResultSerializer,
    )
    def post(self, request: Request, intent_id: str) -> Response:
        data = parse_body(request, s.IntentValidateSerializer)
        tenant_id = object_tenant(self.principal)
        started = time.perf_counter()
        with span("converge.validate", intent_id=intent_id, tenant_id=tenant_id) as current:
            decision = intent_validate(
                intent_id=intent_id,
                options=ValidationOptions(**data),
                actor=self.principal.actor,
                tenant_id=tenant_id,
            )
            if current is not None:
                current.set_attribute("converge.decision", decision["decision"])
                current.set_attribute("converge.trace_id", decision["trace_id"])
        metrics.observe_validation(decision, time.perf_counter() - started)
        return Response(decision)


class SummaryView(ConvergeAPIView):
    access = {"GET": permissions.INTENTS_READ}

    @extend_schema(
        summary="Overview: repo health and the queue",
        parameters=[filters.TenantFilter],
        responses=s.SummarySerializer,
    )
    def get(self, request: Request) -> HttpResponse:
        query = parse_query(request, filters.TenantFilter)
        tenant_id = self.query_tenant(query)
        return projection_response("summary", {"tenant_id": tenant_id}, lambda: _summary(tenant_id))


def _summary(tenant_id: str | None) -> dict[str, Any]:
    """The sections higher apps add (``CONVERGE_SUMMARY_SECTIONS``: repo health), then the
    queue."""
    summary: dict[str, Any] = {}
    for sections in summary_sections():
        summary.update(sections(tenant_id=tenant_id))
    summary["queue"] = api_selectors.queue_state(tenant_id=tenant_id)
    return summary


class QueueStateView(ConvergeAPIView):
    access = {"GET": permissions.QUEUE_READ}

    @extend_schema(
        summary="Active intents in queue order and counts per status",
        parameters=[filters.TenantFilter],
        responses=s.QueueStateSerializer,
    )
    def get(self, request: Request) -> Response:
        query = parse_query(request, filters.TenantFilter)
        tenant_id = self.query_tenant(query)
        return Response(api_selectors.queue_state(tenant_id=tenant_id))


class QueueSummaryView(ConvergeAPIView):
    access = {"GET": permissions.QUEUE_READ}

    @extend_schema(
        summary="Counts per status",
        parameters=[filters.TenantFilter],
        responses=s.QueueSummarySerializer,
    )
    def get(self, request: Request) -> Response:
        query = parse_query(request, filters.TenantFilter)
        tenant_id = self.query_tenant(query)
        return Response(api_selectors.queue_summary(tenant_id=tenant_id))


class QueueListView(ConvergeAPIView):
    access = {"GET": permissions.QUEUE_READ}

    @extend_schema(
        summary="Every queue of the repository: positions, ETAs, pauses and freezes",
        parameters=[filters.TenantFilter],
        responses=s.QueueListSerializer,
    )
    def get(self, request: Request) -> Response:
        query = parse_query(request, filters.TenantFilter)
        tenant_id = self.query_tenant(query)
        return Response(queue_list(repository=repository_resolve(), tenant_id=tenant_id))


class QueueAnalyticsView(ConvergeAPIView):
    access = {"GET": permissions.QUEUE_READ}

    @extend_schema(
        summary="Failure analytics of the queue, per target, from the ledger",
        parameters=[filters.QueueAnalyticsFilter],
        responses=s.QueueAnalyticsSerializer,
    )
    def get(self, request: Request) -> Response:
        query = parse_query(request, filters.QueueAnalyticsFilter)
        return Response(
            queue_analytics(
                repository=repository_resolve(),
                since=query.get("since"),
                tenant_id=self.query_tenant(query),
            )
        )


class QueueJumpView(ConvergeAPIView):
    access = {"POST": permissions.QUEUE_WRITE}

    @extend_schema(
        summary="Put an intent at the head of its queue, tested alone",
        request=s.QueueJumpSerializer,
        responses=s.QueueJumpedSerializer,
    )
    def post(self, request: Request) -> Response:
        data = parse_body(request, s.QueueJumpSerializer)
        return Response(
            queue_jump(
                intent_id=data["intent_id"],
                reason=data["reason"],
                actor=self.principal.actor,
                tenant_id=object_tenant(self.principal),
            )
        )


class QueuePauseView(ConvergeAPIView):
    access = {"POST": permissions.QUEUE_WRITE}

    @extend_schema(
        summary="Stop merging on a target (it keeps validating)",
        request=s.QueuePauseSerializer,
        responses=s.QueueControlSerializer,
    )
    def post(self, request: Request) -> Response:
        data = parse_body(request, s.QueuePauseSerializer)
        return Response(
            queue_pause(
                repository=repository_resolve(),
                target=data.get("target") or default_target(),
                reason=data["reason"],
                actor=self.principal.actor,
            )
        )


class QueueResumeView(ConvergeAPIView):
    access = {"POST": permissions.QUEUE_WRITE}

    @extend_schema(
        summary="Merge again on a paused target",
        request=s.QueueResumeSerializer,
        responses=s.QueueControlSerializer,
    )
    def post(self, request: Request) -> Response:
        data = parse_body(request, s.QueueResumeSerializer)
        return Response(
            queue_resume(
                repository=repository_resolve(),
                target=data.get("target") or default_target(),
                reason=data.get("reason", ""),
                actor=self.principal.actor,
            )
        )


class EventFeedView(ConvergeAPIView):
    """Events of one type, newest first, in the caller's tenant."""

    event_type: str | None = None
    filter_class: type[filters.TenantFilter] = filters.RecentFilter
    access = {"GET": permissions.RISK_READ}

    def get(self, request: Request) -> Response:
        query = parse_query(request, self.filter_class)
        events = event_list(
            event_type=self.event_type,
            tenant_id=self.query_tenant(query),
            limit=query["limit"],
        )
        return Response([event_serialize(event) for event in events])


def _feed(summary: str, filter_class: type) -> Any:
    return extend_schema(
        summary=summary, parameters=[filter_class], responses=s.EventSerializer(many=True)
    )


class RiskRecentView(EventFeedView):
    event_type = "risk.evaluated"

    @_feed("Recent risk evaluations", filters.RecentFilter)
    def get(self, request: Request) -> Response:
        return super().get(request)


class RiskShadowRecentView(EventFeedView):
    event_type = "risk.shadow_evaluated"

    @_feed("Recent shadow evaluations of the risk gate", filters.RecentFilter)
    def get(self, request: Request) -> Response:
        return super().get(request)


class PolicyRecentView(EventFeedView):
    event_type = "policy.evaluated"
    access = {"GET": permissions.EVENTS_READ}

    @_feed("Recent policy evaluations", filters.RecentFilter)
    def get(self, request: Request) -> Response:
        return super().get(request)


class AuditRecentView(EventFeedView):
    filter_class = filters.AuditFilter
    access = {"GET": permissions.AUDIT_READ}

    @_feed("Recent events of every type (operators)", filters.AuditFilter)
    def get(self, request: Request) -> Response:
        return super().get(request)


class EventListView(ConvergeAPIView):
    access = {"GET": permissions.EVENTS_READ}

    @extend_schema(
        summary="Events newest first, filtered",
        parameters=[filters.EventFilter],
        responses=s.EventSerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        query = parse_query(request, filters.EventFilter)
        events = event_list(
            event_type=query.get("type"),
            intent_id=query.get("intent_id"),
            agent_id=query.get("agent_id"),
            tenant_id=self.query_tenant(query),
            since=query.get("since"),
            limit=query["limit"],
        )
        return Response([event_serialize(event) for event in events])


class RiskReviewView(ConvergeAPIView):
    access = {"GET": permissions.RISK_READ}

    @extend_schema(
        summary="Risk, diagnostics, policy and history of one intent",
        parameters=[filters.IntentRefFilter, filters.INTENT_ID_REQUIRED],
        responses=s.RiskReviewSerializer,
    )
    def get(self, request: Request) -> Response:
        query = parse_query(request, filters.IntentRefFilter)
        if not query.get("intent_id"):
            raise BadRequest("intent_id required", field="intent_id")
        tenant_id = self.query_tenant(query)
        return Response(risk_review(intent_id=query["intent_id"], tenant_id=tenant_id))


class RiskGateReportView(ConvergeAPIView):
    access = {"GET": permissions.RISK_READ}

    @extend_schema(
        summary="Block rate over the latest policy evaluations",
        parameters=[filters.TenantFilter],
        responses=s.RiskGateReportSerializer,
    )
    def get(self, request: Request) -> Response:
        query = parse_query(request, filters.TenantFilter)
        tenant_id = self.query_tenant(query)
        return Response(risk_gate_report(tenant_id=tenant_id))


class RiskPolicyView(ConvergeAPIView):
    access = {"GET": permissions.RISK_READ, "POST": permissions.RISK_WRITE}

    @extend_schema(
        summary="Tenant risk policies",
        parameters=[filters.TenantFilter],
        responses=s.RiskPolicySerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        query = parse_query(request, filters.TenantFilter)
        tenant_id = self.query_tenant(query)
        return Response(api_selectors.risk_policy_list(tenant_id=tenant_id))

    @extend_schema(
        summary="Replace a tenant's risk policy",
        parameters=[filters.TenantFilter],
        request=s.RiskPolicyWriteSerializer,
        responses=s.OkTenantSerializer,
    )
    def post(self, request: Request) -> Response:
        query = parse_query(request, filters.TenantFilter)
        parse_body(request, s.RiskPolicyWriteSerializer)
        data = body_object(request)
        requested = data.pop("tenant_id", None) or query.get("tenant_id")
        tenant_id = config_tenant(self.principal, requested)
        return Response(risk_policy_set(tenant_id=tenant_id, data=data, actor=self.principal.actor))


class _LatestRiskPartView(ConvergeAPIView):
    """One list stored in the latest risk evaluation (``part``), ``[]`` when there is none."""

    access = {"GET": permissions.RISK_READ}
    part = ""

    def get(self, request: Request) -> Response:
        query = parse_query(request, filters.IntentRefFilter)
        payload = api_selectors.latest_risk_payload(
            intent_id=query.get("intent_id"),
            tenant_id=self.query_tenant(query),
        )
        return Response(payload.get(self.part, []))


@extend_schema_view(
    get=extend_schema(
        summary="Impact edges of the latest risk evaluation",
        parameters=[filters.IntentRefFilter],
        responses=s.ImpactEdgeSerializer(many=True),
    )
)
class ImpactEdgesView(_LatestRiskPartView):
    part = "impact_edges"


@extend_schema_view(
    get=extend_schema(
        summary="Diagnostics stored with the latest risk evaluation",
        parameters=[filters.IntentRefFilter],
        responses=s.DiagnosticSerializer(many=True),
    )
)
class DiagnosticsRecentView(_LatestRiskPartView):
    part = "diagnostics"
