"""The semantic API: index status, conflict scans (a read-only GET, a persisting POST), the
open conflicts, resolving a pair, and indexing as Celery tasks.

A tenant-bound key sees and scans only its tenant; another tenant's intent answers 404 like
an unknown one (interfaces §2.3).
"""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from access.apibase import ConvergeAPIView, parse_body, parse_query
from access.tenancy import create_tenant, object_tenant
from intents.selectors import intent_get
from semantic.api import filters, permissions
from semantic.api import serializers as s
from semantic.conflicts import conflict_resolve, conflict_scan
from semantic.index import index_status
from semantic.selectors import active_conflicts
from semantic.serialization import conflict_serialize

INTENT_ID = OpenApiParameter("intent_id", OpenApiTypes.STR, OpenApiParameter.PATH)


class SemanticStatusView(ConvergeAPIView):
    access = {"GET": permissions.SEMANTIC_READ}

    @extend_schema(
        summary="Coverage of the semantic index",
        parameters=[filters.StatusFilter],
        responses=s.StatusSerializer,
    )
    def get(self, request: Request) -> Response:
        query = parse_query(request, filters.StatusFilter)
        return Response(index_status(tenant_id=self.query_tenant(query), model=query.get("model")))


class ConflictScanReadView(ConvergeAPIView):
    access = {"GET": permissions.SEMANTIC_READ}

    @extend_schema(
        summary="Conflicts among in-flight intents (read-only: records nothing)",
        parameters=[filters.ScanFilter],
        responses=s.ScanResultSerializer,
    )
    def get(self, request: Request) -> Response:
        query = parse_query(request, filters.ScanFilter)
        return Response(
            conflict_scan(
                tenant_id=self.query_tenant(query),
                target=query.get("target"),
                model=query.get("model"),
                similarity_threshold=query["similarity_threshold"],
                conflict_threshold=query["conflict_threshold"],
                mode=query.get("mode"),
                persist=False,
                actor=self.principal.actor,
            )
        )


class ConflictScanView(ConvergeAPIView):
    access = {"POST": permissions.SEMANTIC_WRITE}

    @extend_schema(
        summary="Scan for conflicts and record the new and changed ones",
        description=(
            "Writes `semantic_conflict.detected` only for a pair that is new or whose score "
            "changed; in `enforce` mode the younger intent of each open pair is held by a "
            "review (trigger `conflict`)."
        ),
        request=s.ScanSerializer,
        responses=s.ScanResultSerializer,
    )
    def post(self, request: Request) -> Response:
        data = parse_body(request, s.ScanSerializer)
        tenant_id = create_tenant(self.principal, data.get("tenant_id") or None)
        return Response(
            conflict_scan(
                tenant_id=tenant_id,
                target=data.get("target"),
                model=data.get("model"),
                similarity_threshold=data["similarity_threshold"],
                conflict_threshold=data["conflict_threshold"],
                mode=data.get("mode"),
                actor=self.principal.actor,
            )
        )


class ConflictActiveView(ConvergeAPIView):
    access = {"GET": permissions.SEMANTIC_READ}

    @extend_schema(
        summary="Open conflicts, highest score first",
        parameters=[filters.ActiveFilter],
        responses=s.ActiveSerializer,
    )
    def get(self, request: Request) -> Response:
        query = parse_query(request, filters.ActiveFilter)
        rows = active_conflicts(tenant_id=self.query_tenant(query), limit=query["limit"])
        return Response({"conflicts": [conflict_serialize(row) for row in rows]})


class ConflictResolveView(ConvergeAPIView):
    access = {"POST": permissions.SEMANTIC_WRITE}

    @extend_schema(
        summary="Close a conflict, or acknowledge a pair before it is found",
        description=(
            "Records who and why (`semantic_conflict.resolved`) and cancels the pair's review, "
            "releasing the hold of enforce mode."
        ),
        request=s.ResolveSerializer,
        responses=s.ResolveResultSerializer,
    )
    def post(self, request: Request) -> Response:
        data = parse_body(request, s.ResolveSerializer)
        create_tenant(self.principal, data.get("tenant_id"))
        return Response(
            conflict_resolve(
                intent_a=data["intent_a"],
                intent_b=data["intent_b"],
                resolution=data["resolution"],
                tenant_id=object_tenant(self.principal) or data.get("tenant_id") or None,
                actor=self.principal.actor,
            )
        )


class IndexIntentView(ConvergeAPIView):
    access = {"POST": permissions.SEMANTIC_WRITE}

    @extend_schema(
        summary="Queue the embedding of one intent (then a scan of its repository)",
        parameters=[INTENT_ID],
        request=s.IndexSerializer,
        responses={202: s.QueuedSerializer},
    )
    def post(self, request: Request, intent_id: str) -> Response:
        from semantic.tasks import semantic_index_task

        data = parse_body(request, s.IndexSerializer)
        intent = intent_get(intent_id, tenant_id=object_tenant(self.principal))
        semantic_index_task.delay(
            intent.pk, data.get("provider"), data["force"], self.principal.actor
        )
        return Response(
            {"ok": True, "queued": "semantic_index", "intent_id": intent.pk}, status=202
        )


class ReindexView(ConvergeAPIView):
    access = {"POST": permissions.SEMANTIC_WRITE}

    @extend_schema(
        summary="Queue a reindex of every missing or stale vector",
        request=s.ReindexSerializer,
        responses={202: s.QueuedSerializer},
    )
    def post(self, request: Request) -> Response:
        from semantic.tasks import semantic_reindex_task

        data = parse_body(request, s.ReindexSerializer)
        tenant_id = create_tenant(self.principal, data.get("tenant_id") or None)
        semantic_reindex_task.delay(
            tenant_id, data.get("provider"), data["force"], self.principal.actor
        )
        return Response(
            {"ok": True, "queued": "semantic_reindex", "tenant_id": tenant_id}, status=202
        )
